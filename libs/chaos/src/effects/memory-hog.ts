const MB = 1024 * 1024;

/**
 * Holds memory until the fault ends. Buffers are filled (`Buffer.alloc` zero-fills) so the pages are
 * really committed and RSS grows, which is what a leak looks like from outside.
 */
export class MemoryHog {
  private readonly held = new Map<string, Buffer[]>();

  hold(id: string, mb: number): void {
    const chunks: Buffer[] = [];
    for (let i = 0; i < mb; i++) chunks.push(Buffer.alloc(MB, 1));
    this.held.set(id, chunks);
  }

  release(id: string): void {
    this.held.delete(id);
  }

  get heldBytes(): number {
    let total = 0;
    for (const chunks of this.held.values()) total += chunks.length * MB;
    return total;
  }
}
