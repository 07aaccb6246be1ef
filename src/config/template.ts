// Written by `mtr --init`. Every key is documented here; keep it in step with validate.ts (a test checks it).
export const CONFIG_TEMPLATE = `# mtr project config.
#
# mtr looks for .mtr/config.yaml in the current folder, then in each parent folder (like git).
# The folder holding .mtr/ is the project root: it is synced to remote_dir on the server.
#
# Settings are merged, later ones win:
#   1. your user config: $XDG_CONFIG_HOME/mtr/config.yaml or ~/.config/mtr/config.yaml
#      (same shape as this file; handy for hosts, users and keys you don't want to commit)
#   2. \`defaults\` in this file
#   3. the server's own settings in this file
# \`exclude\` lists are joined across all levels instead of replaced.
# A server in your user config is available in every project. A server there without a host
# only completes a project server of the same name (e.g. adds your user and key_filename).
#
# Local paths (key_filename, download_dir, known_hosts_file) may start with ~/ ; relative ones
# resolve against the project root (in the user config: against the user config's folder).
# remote_dir is a path on the server: absolute, or relative to your home there (x and ~/x are the
# same folder), for the sync, the command's working folder and --get alike. ~user and $HOME are
# not expanded.

# Server used when neither \`mtr -s NAME\` nor $MTR_SERVER picks one.
# Default: the first server under \`servers\`.
default: gpu

# Settings shared by every server. Any server key except host may go here.
# Every line is commented out, so the defaults named below (or your user config) apply.
defaults:
  # Project folder on the server; ~ (and a relative path) starts at the remote home.
  # Default: ~/mtr/<name of the project root folder>
  # remote_dir: ~/mtr/myproject

  # Shell code run before every command, in the same shell. Commands run in a non-login,
  # non-interactive shell, and so do the panes of background jobs: what ~/.bashrc or
  # ~/.profile set up (conda, module load, PATH) is NOT there unless you do it here.
  # Default: none. Example for conda:
  # pre_cmd: 'eval "$(conda shell.bash hook)" && conda activate myenv'

  # How files are copied: rsync (needs rsync on both ends), sftp (works everywhere),
  # or auto (rsync when both ends have it, else sftp). Default: auto
  # sync: auto

  # Paths or patterns never synced, e.g. data/ or *.ckpt. Joined with the exclude lists of
  # your user config, \`defaults\` and the server. Default: []
  # exclude: [data/, outputs/, "*.ckpt"]

  # Also skip what your .gitignore files ignore. Default: true
  # respect_gitignore: true

  # Delete files on the server (inside remote_dir only) that no longer exist locally.
  # Default: false
  # delete: false

  # Local folder where files fetched from the server are saved.
  # Default: none (mtr picks the current folder).
  # download_dir: ./downloads

  # Seconds to wait for the SSH connection before giving up. Default: 15
  # connect_timeout: 15

  # Seconds without a byte from the server (mtr asks every few seconds) before the link
  # counts as dead: mtr then exits 255 and says how to come back to the job, which goes
  # on on the server. Raise it for links that can stall longer. Whole seconds, at least
  # 2. Default: 30
  # dead_link_timeout: 30

  # Seconds mtr gives a job it stops ("mtr --kill", a --watch restart) after SIGINT, and
  # again after SIGTERM, before the next signal (then SIGKILL). From 0.1 to 3600.
  # Default: 5 (a --watch restart: 2)
  # kill_grace: 5

  # Unknown host keys: ask (ask on a terminal like ssh, refuse in scripts), yes (always
  # refuse), or accept-new (trust and record them). A changed key is always refused.
  # Default: ask
  # strict_host_key_checking: ask

  # Extra known_hosts file, checked before ~/.ssh/known_hosts; new keys are recorded
  # there when set. Default: none
  # known_hosts_file: ~/.ssh/known_hosts_mtr

  # Keep the connection open between runs (an OpenSSH ControlMaster in a private 0700
  # folder), so a second mtr within reuse_idle seconds skips the SSH handshake for
  # rsync and the command. "mtr --no-reuse" skips it once; "mtr --disconnect" closes it.
  # Default: true, 600
  # reuse: true
  # reuse_idle: 600

  # Local ports that reach the server while a run, --watch or --attach lasts (as --forward):
  # PORT, LOCAL:PORT or LOCAL:HOST:PORT, HOST as the server sees it (default localhost).
  # forward: [8888, "6006:localhost:6006"]

# Named groups of servers, usable wherever a server name is: \`mtr -s gpus nvidia-smi\`
# runs on each member at once with per-host output (also \`-s a,b\` and \`--all\`).
# groups:
#   gpus: [gpu, gpu2]

# Servers by name (letters, digits, "_", "." and "-"). At least one is needed.
servers:
  gpu:
    # Host name, IP address, or a Host alias from ~/.ssh/config (whose HostName, User,
    # Port, IdentityFile and ProxyJump are then used). Required.
    host: gpu.example.com

    # Login name. Default: from ~/.ssh/config, else your local user name.
    # user: alice

    # SSH port, 1-65535. Default: from ~/.ssh/config, else 22.
    # port: 22

    # Private key file. Default: ssh-agent and the keys ssh would try.
    # key_filename: ~/.ssh/id_ed25519

    # Password login. Prefer keys: this is stored in plain text, so keep it out of git
    # (your user config is a better place). Default: none
    # password: hunter2

    # Any key from \`defaults\` can be set here too and wins over it, e.g.:
    # remote_dir: /scratch/alice/myproject

    # A Slurm cluster: host is the login node, remote_dir on the shared filesystem, and each
    # run goes through srun (sbatch with -d). Keys (all optional; \`slurm: {}\` = cluster
    # defaults): partition, gpus, time, nodes, cpus_per_task, mem, account, qos, extra (a list
    # of srun/sbatch options as given). --partition, --gpus, --nodes, --time override them.
    # slurm: { partition: gpu, gpus: 1, time: "2:00:00", extra: ["--constraint=h100"] }
`;
