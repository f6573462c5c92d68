// What a connection tells whoever runs Switchboard: where it points, and why it failed.

/** The URL without its credentials, for logs, health and the printed configuration. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@]*)@/, '//[redacted]@');
}

/** What a connection error means to whoever runs Switchboard, in one line. */
export function explainConnectionError(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return 'the broker refused the connection (is it running, on this host and port?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the broker's host name cannot be resolved (${err.message})`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `the broker cannot be reached (${err.message})`;
  // CONNACK return codes: 4/5 in MQTT 3.1.1, 134/135 in MQTT 5.
  if (code === 4 || code === 134) return 'the broker refused the login: bad user name or password';
  if (code === 5 || code === 135) return 'the broker refused the login: not authorized';
  return err.message;
}
