import { describe, expect, it } from '@jest/globals';
import type { AnyStateNode } from 'xstate';
import { mermaidId } from '../incident/incident.diagram.js';
import { drillStateDiagram, drillWorkflowMarkdown } from './drill.diagram.js';
import { DRILL_CLIENT_EVENT_TYPES } from './drill.events.js';
import { DRILL_MACHINE_VERSION, drillMachine } from './drill.machine.js';

function allNodes(node: AnyStateNode = drillMachine.root): AnyStateNode[] {
  return [node, ...(Object.values(node.states) as AnyStateNode[]).flatMap((child) => allNodes(child))];
}

describe('the drill workflow as a Mermaid state diagram', () => {
  const diagram = drillStateDiagram();
  const lines = diagram.split('\n').map((l) => l.trim());

  it('is a stateDiagram-v2 starting in scheduled.upcoming', () => {
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('[*] --> scheduled');
    expect(lines).toContain('[*] --> scheduled_upcoming');
  });

  it('declares every state of the machine once, under a unique id, with its name', () => {
    const states = allNodes().filter((n) => n.path.length > 0);
    expect(states.map((n) => n.path.join('.'))).toEqual([
      'scheduled',
      'scheduled.upcoming',
      'scheduled.overdue',
      'in_progress',
      'debrief',
      'improvement',
      'closed',
      'cancelled',
    ]);
    for (const node of states) {
      const id = mermaidId(node);
      const declared = lines.filter((l) => l === `state ${id}` || l === `state ${id} {` || l === `state "${node.key}" as ${id}`);
      expect([id, declared.length]).toEqual([id, 1]);
    }
  });

  it('draws closed and cancelled as final', () => {
    expect(lines).toContain('closed --> [*]');
    expect(lines).toContain('cancelled --> [*]');
  });

  it('names every client event type, DEADLINE_PASSED and every guard of the machine', () => {
    for (const type of [...DRILL_CLIENT_EVENT_TYPES, 'DEADLINE_PASSED']) expect([type, diagram.includes(type)]).toEqual([type, true]);
    for (const guard of Object.keys(drillMachine.implementations.guards)) expect([guard, diagram.includes(guard)]).toEqual([guard, true]);
  });

  it('writes the transitions with their guards', () => {
    expect(lines).toContain('scheduled_upcoming --> scheduled_overdue : DEADLINE_PASSED [actorAllowed and deadlinePending and isStartDeadline]');
    expect(lines).toContain('scheduled --> scheduled_upcoming : RESCHEDULE [actorAllowed and validNewDate and hasReason]');
    expect(lines).toContain('scheduled --> in_progress : START [actorAllowed]');
    expect(lines).toContain('in_progress --> debrief : COMPLETE [actorAllowed and validCompletion]');
    expect(lines).toContain('debrief --> improvement : SUBMIT_AFTER_ACTION [actorAllowed and validAfterActionReport]');
    expect(lines).toContain('improvement --> closed : CLOSE [actorAllowed and noOpenCorrectiveActions and planUpdatedIfRequired]');
    expect(lines).toContain('PLAN_UPDATED [actorAllowed and validPlanVersion and planUpdateOwed]');
    expect(lines.filter((l) => l.startsWith('note right of'))).toEqual([
      'note right of scheduled_upcoming',
      'note right of in_progress',
      'note right of debrief',
      'note right of improvement',
    ]);
  });

  it('is the same every time, and the Markdown page carries it with the machine version', () => {
    expect(drillStateDiagram()).toBe(diagram);
    const page = drillWorkflowMarkdown();
    expect(page.startsWith('# Drill workflow\n')).toBe(true);
    expect(page).toContain(`(machine\nversion ${DRILL_MACHINE_VERSION})`);
    expect(page).toContain('```mermaid\n' + diagram.trimEnd() + '\n```\n');
  });
});
