import type { AuthenticationType } from 'ssh2';

// Which credentials to offer, in order: configured key, ssh_config keys, default keys, agent, password.
export interface Identity {
  path: string;
  /** Private key text, ready for ssh2 (already decrypted input stays with passphrase). */
  key: Buffer;
  passphrase?: string;
}

export type AuthStep =
  | { type: 'publickey'; identity: Identity }
  | { type: 'agent'; socket: string }
  | { type: 'password'; password: string }
  | { type: 'keyboard-interactive'; password: string };

export function planAuth(input: { identities: Identity[]; agentSocket?: string; password?: string }): AuthStep[] {
  const steps: AuthStep[] = input.identities.map((identity) => ({ type: 'publickey', identity }));
  if (input.agentSocket) steps.push({ type: 'agent', socket: input.agentSocket });
  if (input.password !== undefined) {
    steps.push({ type: 'password', password: input.password });
    steps.push({ type: 'keyboard-interactive', password: input.password });
  }
  return steps;
}

export function describeStep(step: AuthStep): string {
  switch (step.type) {
    case 'publickey':
      return `key ${step.identity.path}`;
    case 'agent':
      return 'ssh-agent';
    case 'password':
      return 'password';
    case 'keyboard-interactive':
      return 'keyboard-interactive';
  }
}

// ssh2 calls this before each attempt; we record what was offered so a failure can say so.
export function createAuthHandler(user: string, steps: AuthStep[], tried: string[]) {
  let next = 0;
  return (methodsLeft: AuthenticationType[] | null): unknown => {
    while (next < steps.length) {
      const step = steps[next++] as AuthStep;
      const method = step.type === 'agent' ? 'publickey' : step.type;
      if (methodsLeft && !methodsLeft.includes(method as AuthenticationType)) continue;
      tried.push(describeStep(step));
      switch (step.type) {
        case 'publickey':
          return { type: 'publickey', username: user, key: step.identity.key, passphrase: step.identity.passphrase };
        case 'agent':
          return { type: 'agent', username: user, agent: step.socket };
        case 'password':
          return { type: 'password', username: user, password: step.password };
        case 'keyboard-interactive':
          return {
            type: 'keyboard-interactive',
            username: user,
            prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) =>
              finish(prompts.map(() => step.password)),
          };
      }
    }
    return false;
  };
}
