// Where the tmux job layer lives on the server: its own tmux socket and one folder per job.
export const TMUX = 'tmux -L mtr';
export const JOBS_DIR = '"$HOME"/.mtr/jobs';

export function jobDir(name: string): string {
  return `${JOBS_DIR}/${name}`;
}
