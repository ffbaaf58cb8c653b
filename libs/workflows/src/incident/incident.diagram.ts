import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

/**
 * A Mermaid `stateDiagram-v2` of a state machine, read from its definition (never drawn by hand):
 * states (compound, parallel with one `--`-separated block per region, final), initial states,
 * and every transition with its event and guard. Pure: returns the diagram text.
 *
 * A transition between siblings is written inside their parent's block; one that crosses composite
 * states is written at the top level, between the real source and target (Mermaid places a state
 * where it is declared). A transition without a target only runs actions (the state does not
 * change): it is listed in a note on its state. An eventless (`always`) transition is labelled
 * "always". The machine's own transitions (the root is not drawn) are kept as `%%` comments.
 */
export function toMermaidStateDiagram(machine: AnyStateMachine): string {
  const root = machine.root;
  const lines: string[] = ['stateDiagram-v2'];
  const blocks = new Map<AnyStateNode, string[]>();
  collectTransitions(root, root, blocks);
  renderChildren(root, 1, lines, blocks);
  return lines.join('\n') + '\n';
}

/** The Mermaid id of a state: its path joined with underscores (ids must be unique and plain). */
export function mermaidId(node: AnyStateNode): string {
  return node.path.length ? node.path.map((p: string) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('_') : 'root';
}

const pad = (depth: number) => '    '.repeat(depth);

/** Writes the states inside `parent` (its initial arrow, its children), then the lines filed under it. */
function renderChildren(parent: AnyStateNode, depth: number, lines: string[], blocks: Map<AnyStateNode, string[]>) {
  const children = Object.values(parent.states) as AnyStateNode[];
  if (parent.type === 'parallel') {
    // One block per region, separated by `--` (Mermaid's concurrency).
    children.forEach((region, i) => {
      if (i > 0) lines.push(`${pad(depth)}--`);
      renderState(region, depth, lines, blocks);
    });
  } else {
    const initial = parent.initial?.target?.[0] as AnyStateNode | undefined;
    if (initial) lines.push(`${pad(depth)}[*] --> ${mermaidId(initial)}`);
    for (const child of children) renderState(child, depth, lines, blocks);
  }
  for (const line of blocks.get(parent) ?? []) lines.push(`${pad(depth)}${line}`);
}

function renderState(node: AnyStateNode, depth: number, lines: string[], blocks: Map<AnyStateNode, string[]>) {
  const id = mermaidId(node);
  const declaration = id === node.key ? `state ${id}` : `state "${node.key}" as ${id}`;
  if (node.type === 'compound' || node.type === 'parallel') {
    lines.push(`${pad(depth)}${declaration} {`);
    renderChildren(node, depth + 1, lines, blocks);
    lines.push(`${pad(depth)}}`);
  } else {
    lines.push(`${pad(depth)}${declaration}`);
  }
  if (node.type === 'final') lines.push(`${pad(depth)}${id} --> [*]`);
}

/** Every transition of every state node, as lines filed under the block that writes them. */
function collectTransitions(node: AnyStateNode, root: AnyStateNode, blocks: Map<AnyStateNode, string[]>) {
  const definitions: Array<[string, AnyTransitionDefinition]> = [];
  for (const [eventType, list] of node.transitions) for (const t of list) definitions.push([eventType, t]);
  for (const t of node.always ?? []) definitions.push(['always', t]);
  const internal: string[] = [];
  for (const [eventType, t] of definitions) {
    const text = label(t.guard === undefined ? eventType : `${eventType} [${guardText(t.guard)}]`);
    const targets = (t.target ?? []) as AnyStateNode[];
    if (node === root) {
      // The machine itself is not drawn: its own transitions are kept as comments.
      add(blocks, root, `%% on the machine: ${text}${targets.length ? ` --> ${targets.map(mermaidId).join(', ')}` : ' (no change of state)'}`);
      continue;
    }
    if (!targets.length) internal.push(text);
    for (const target of targets) {
      const parent = commonParent(node, target);
      const siblings = node.parent === parent && target.parent === parent;
      add(blocks, siblings ? parent : root, `${mermaidId(node)} --> ${mermaidId(target)} : ${text}`);
    }
  }
  if (internal.length) {
    const owner = node.parent ?? root;
    add(blocks, owner, `note right of ${mermaidId(node)}`);
    add(blocks, owner, '    internal transitions (no change of state)');
    for (const text of internal) add(blocks, owner, `    ${text}`);
    add(blocks, owner, 'end note');
  }
  for (const child of Object.values(node.states) as AnyStateNode[]) collectTransitions(child, root, blocks);
}

function add(blocks: Map<AnyStateNode, string[]>, owner: AnyStateNode, line: string) {
  const list = blocks.get(owner) ?? [];
  list.push(line);
  blocks.set(owner, list);
}

function ancestors(node: AnyStateNode): AnyStateNode[] {
  const chain: AnyStateNode[] = [];
  for (let n: AnyStateNode | undefined = node; n; n = n.parent) chain.unshift(n);
  return chain;
}

/** The deepest state that contains both (a proper ancestor of each; the root for top-level states). */
function commonParent(a: AnyStateNode, b: AnyStateNode): AnyStateNode {
  const chainA = ancestors(a);
  const chainB = ancestors(b);
  let i = 0;
  while (i < chainA.length - 1 && i < chainB.length - 1 && chainA[i + 1] === chainB[i + 1]) i++;
  return chainA[i]!;
}

/** A guard as text: named guards by name, `and`/`or`/`not` spelled out, `stateIn` as `in <state>`. */
export function guardText(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  if (guard && typeof guard === 'object' && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') {
    const g = guard as { name: string; guards?: unknown[]; stateValue?: unknown };
    if (g.stateValue !== undefined) {
      const target = typeof g.stateValue === 'string' ? g.stateValue.replace(/^#[^.]+\./, '') : JSON.stringify(g.stateValue);
      return `in ${target}`;
    }
    if (g.guards && g.name === 'not') return `not ${wrap(g.guards[0])}`;
    if (g.guards && (g.name === 'and' || g.name === 'or')) return g.guards.map(wrap).join(` ${g.name} `);
    return g.name ? g.name : 'inline';
  }
  return 'inline';
}

function wrap(guard: unknown): string {
  const text = guardText(guard);
  return typeof guard === 'function' && (guard as { guards?: unknown[] }).guards && /\s(and|or)\s/.test(text) ? `(${text})` : text;
}

/** Mermaid reads `:` and `;` as syntax and `#` as an entity, so they are kept out of labels. */
function label(text: string): string {
  return text.replace(/[:;]/g, ' ').replace(/#/g, '').replace(/\s+/g, ' ').trim();
}
