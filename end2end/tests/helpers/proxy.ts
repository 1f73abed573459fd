import * as net from 'net';

/**
 * A TCP proxy in front of an Agora server, so a test can cut a browser's network for real:
 * `cut()` destroys every open connection (the page's WebSocket among them) and refuses new ones
 * until `restore()`. Playwright's `setOffline` does not reliably close a WebSocket that is already
 * open in Chromium; this does. The browser reaches the proxy on 127.0.0.1 as it would the server,
 * so the session cookie (set for the host, whatever the port) goes along, and the `Host` and
 * `Origin` headers still agree (the server's same-origin check passes).
 */
export interface Proxy {
  /** `http://127.0.0.1:<port>`: open pages through this. */
  url: string;
  cut(): void;
  restore(): void;
  /** Sends new connections to another port (a restarted server). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const host = '127.0.0.1';
  let target = targetPort;
  let cutOff = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cutOff) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target, host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const destroyAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    url: `http://${host}:${port}`,
    cut() {
      cutOff = true;
      destroyAll();
    },
    restore() {
      cutOff = false;
    },
    retarget(port: number) {
      target = port;
    },
    close() {
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
