// ssh_config fixtures shared by the resolver's unit tests and its agreement test with `ssh -G`.

// Everything `ssh -G` can check too: no Match exec, no Include.
export const PLAIN_CONFIG = `
Host gpu
  HostName gpu.example.com
  User alice
  Port 2200
  IdentityFile ~/.ssh/id_gpu
  IdentityFile %d/.ssh/%h_%r_%p_%u_%n_%%
  ProxyJump bastion

Host gpu
  HostName ignored.example.com
  User ignored
  Port 2201
  ProxyJump ignored

Host bastion
  HostName bastion.example.com
  User jump
  ProxyJump none

Host *.internal !db.internal
  HostName %h.corp
  User internal

Host keyed
  IdentityFile "~/.ssh/my keys/%h"
  IdentityFile %r@%h:%p

Host lower
  hostname lower.example.com
  PORT 2022
  proxyjump a@j1:2222,j2
`;

/** `text` with a catch-all block after it, as most users' configs end. */
export const withDefaults = (text: string): string => `${text}\nHost *\n  User default\n  IdentityFile ~/.ssh/id_default\n`;
