import type { Client } from 'ssh2';

/**
 * What running a command needs: ssh2's `exec`. Implemented by an ssh2 Client and by MuxClient
 * (commands through a shared OpenSSH master), whose channels offer the same stream/stderr/'exit'/
 * 'close'/end()/close() surface. SFTP and PTYs need a real ssh2 Client.
 */
export type ExecClient = Pick<Client, 'exec'>;
