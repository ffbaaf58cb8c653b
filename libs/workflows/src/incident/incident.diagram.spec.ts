import { describe, expect, it } from '@jest/globals';
import { and, createMachine, not, or, stateIn, type AnyStateNode } from 'xstate';
import { CLIENT_EVENT_TYPES } from './incident.events.js';
import { guardText, mermaidId, toMermaidStateDiagram } from './incident.diagram.js';
import { incidentMachine } from './incident.machine.js';

function allNodes(node: AnyStateNode = incidentMachine.root): AnyStateNode[] {
  return [node, ...(Object.values(node.states) as AnyStateNode[]).flatMap((child) => allNodes(child))];
}

describe('the incident workflow as a Mermaid state diagram', () => {
  const diagram = toMermaidStateDiagram(incidentMachine);
  const lines = diagram.split('\n').map((l) => l.trim());

  it('is a stateDiagram-v2 starting in open.reported', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('[*] --> open');
    expect(lines).toContain('[*] --> open_reported');
  });

  it('declares every state of the machine once, under a unique id, with its name', () => {
    const states = allNodes().filter((n) => n.path.length > 0);
    // open, reported, responding (+ response 4, authority 4, lawEnforcement 7), review (+ 2), closed, dismissed.
    expect(states.map((n) => n.id)).toHaveLength(23);
    const ids = states.map(mermaidId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const node of states) {
      const id = mermaidId(node);
      const declared = lines.filter((l) => l === `state ${id}` || l === `state ${id} {` || l.startsWith(`state "${node.key}" as ${id}`));
      expect([id, declared.length]).toEqual([id, 1]);
    }
  });

  it('names every client event type, DEADLINE_PASSED and every guard of the machine', () => {
    for (const type of [...CLIENT_EVENT_TYPES, 'DEADLINE_PASSED']) expect([type, diagram.includes(type)]).toEqual([type, true]);
    for (const guard of Object.keys(incidentMachine.implementations.guards)) expect([guard, diagram.includes(guard)]).toEqual([guard, true]);
  });

  it('draws one edge per transition target and lists every targetless transition in a note', () => {
    let targeted = 0;
    let targetless = 0;
    for (const node of allNodes()) {
      const definitions = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
      for (const t of definitions) {
        if (t.target?.length) targeted += t.target.length;
        else targetless++;
      }
    }
    const edges = lines.filter((l) => / --> /.test(l) && l.includes(' : '));
    expect(edges).toHaveLength(targeted);
    expect(targetless).toBe(7);
    expect(lines.filter((l) => l.startsWith('note right of'))).toEqual(['note right of open_review', 'note right of open']);
    expect(lines.filter((l) => /^(ACKNOWLEDGE|RECLASSIFY|DEADLINE_PASSED|AUTHORITY_REVIEWED|REPORT_TO_AUTHORITY) \[/.test(l))).toHaveLength(targetless);
  });

  it('draws the three regions of responding as concurrent blocks', () => {
    const start = lines.indexOf('state "responding" as open_responding {');
    const end = lines.indexOf('state "review" as open_review {');
    const block = lines.slice(start, end);
    expect(block.filter((l) => l === '--')).toHaveLength(2);
    expect(block.filter((l) => /^state "(response|authority|lawEnforcement)" as /.test(l))).toHaveLength(3);
  });

  it('writes transitions with their guards, eventless ones as always, final states to [*]', () => {
    expect(lines).toContain('open_reported --> open_responding : TRIAGE [actorAllowed and validTriage]');
    expect(lines).toContain('open_reported --> dismissed : DISMISS [actorAllowed and hasReason]');
    expect(lines).toContain(
      'open_review_awaiting_report --> closed : SUBMIT_IMPROVEMENT_REPORT [actorAllowed and validImprovementReport and authorityCurrent and not isMajor]',
    );
    expect(lines).toContain('open_responding_authority_reported --> open_responding_authority_pending : always [authorityStale]');
    expect(lines).toContain('open_responding_response_recovered --> [*]');
    expect(lines).toContain(
      'open_responding --> open_review : always [in open.responding.response.recovered and authorityCurrent and (in open.responding.lawEnforcement.not_required or in open.responding.lawEnforcement.concluded)]',
    );
    expect(lines).toContain('closed --> open : REOPEN [actorAllowed and hasReason]');
  });

  it('is the same every time', () => {
    expect(toMermaidStateDiagram(incidentMachine)).toBe(diagram);
  });
});

describe('toMermaidStateDiagram on a small machine', () => {
  it('renders compound, parallel and final states, guards, internal and cross-level transitions', () => {
    const machine = createMachine({
      id: 'door',
      initial: 'closed',
      on: { PING: { actions: () => undefined } },
      states: {
        closed: { on: { OPEN: { target: 'opened', guard: and(['unlocked', not('jammed')]) } } },
        opened: {
          type: 'parallel',
          states: {
            light: { initial: 'on', states: { on: { on: { SWITCH: 'off' } }, off: { type: 'final' } } },
            fan: { initial: 'idle', states: { idle: { on: { KICK: { target: '#door.broken', guard: or(['hard', stateIn('#door.opened.light.off')]) } } } } },
          },
          always: { target: 'closed', guard: 'windy' },
        },
        broken: {},
      },
    });
    expect(toMermaidStateDiagram(machine)).toBe(
      [
        'stateDiagram-v2',
        '    [*] --> closed',
        '    state closed',
        '    state opened {',
        '        state "light" as opened_light {',
        '            [*] --> opened_light_on',
        '            state "on" as opened_light_on',
        '            state "off" as opened_light_off',
        '            opened_light_off --> [*]',
        '            opened_light_on --> opened_light_off : SWITCH',
        '        }',
        '        --',
        '        state "fan" as opened_fan {',
        '            [*] --> opened_fan_idle',
        '            state "idle" as opened_fan_idle',
        '        }',
        '    }',
        '    state broken',
        '    %% on the machine: PING (no change of state)',
        '    closed --> opened : OPEN [unlocked and not jammed]',
        '    opened --> closed : always [windy]',
        '    opened_fan_idle --> broken : KICK [hard or in opened.light.off]',
        '',
      ].join('\n'),
    );
  });

  it('lists a targetless transition in a note on its state, and keeps `:`, `;` and `#` out of labels', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { 'GO:NOW': { target: 'b' }, 'STAY;#1': { actions: () => undefined } } }, b: {} },
    });
    expect(toMermaidStateDiagram(machine)).toBe(
      [
        'stateDiagram-v2',
        '    [*] --> a',
        '    state a',
        '    state b',
        '    a --> b : GO NOW',
        '    note right of a',
        '        internal transitions (no change of state)',
        '        STAY 1',
        '    end note',
        '',
      ].join('\n'),
    );
  });

  it('spells out guards', () => {
    expect(guardText('isMajor')).toBe('isMajor');
    expect(guardText({ type: 'withParams', params: { n: 1 } })).toBe('withParams');
    expect(guardText(and(['a', or(['b', 'c'])]))).toBe('a and (b or c)');
    expect(guardText(not(and(['a', 'b'])))).toBe('not (a and b)');
    expect(guardText(stateIn('#x.y.z'))).toBe('in y.z');
    expect(guardText(() => true)).toBe('inline');
  });
});
