// Ports as label text, made once each: a port label must not cost a string per flow.
const PORTS: string[] = Array.from({ length: 65536 }, (_, port) => String(port));

export function portText(port: number): string {
  return PORTS[port] ?? String(port);
}
