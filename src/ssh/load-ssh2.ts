// ssh2 is heavy (crypto, protocol); it loads only on paths that open a connection.
export type Ssh2 = typeof import('ssh2');

export async function loadSsh2(): Promise<Ssh2> {
  const mod = (await import('ssh2')) as Ssh2 & { default?: Ssh2 };
  return mod.default ?? mod;
}
