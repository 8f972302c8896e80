/**
 * Live nact actors, counted by walking the actor systems nact registers in its system map (a
 * module its typings do not describe). A stopped system is removed from the map.
 */

interface NactNode {
  readonly name: string;
  readonly stopped?: boolean;
  readonly children: Map<string, NactNode>;
}

interface SystemMap {
  add(system: NactNode): void;
  find(name: string): NactNode | undefined;
}

/** Records every nact actor system started while installed and counts its live actors. */
export class ActorCensus {
  private readonly systems: NactNode[] = [];
  private restore: (() => void) | undefined;

  install(): void {
    if (this.restore) return;
    // nact keeps its systems in this module; its typings do not describe it.
    const map = require('nact/lib/system-map') as SystemMap;
    const add = map.add;
    map.add = (system) => {
      this.systems.push(system);
      add(system);
    };
    this.restore = () => {
      map.add = add;
    };
    this.find = (name) => map.find(name);
  }

  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
  }

  /** Live actors across the systems recorded (the systems themselves not counted). */
  liveActors(): number {
    return this.systems.reduce((sum, system) => sum + count(system), 0);
  }

  /** Systems recorded that nact still has registered (a stopped system is removed). */
  systemsRunning(): number {
    return this.systems.filter((s) => this.find(s.name) !== undefined).length;
  }

  private find: (name: string) => NactNode | undefined = () => undefined;
}

function count(node: NactNode): number {
  let n = 0;
  for (const child of node.children.values()) if (!child.stopped) n += 1 + count(child);
  return n;
}
