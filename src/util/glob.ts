// OpenSSH's patterns (ssh_config Host and Include, known_hosts): `*` any run, `?` one character,
// everything else literal; matched against the whole string.
export function globToRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}
