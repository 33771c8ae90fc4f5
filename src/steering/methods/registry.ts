/** Every steering method, one entry each (a new method is a new file in this folder plus one line here). */
import { imported } from './imported.ts';
import { lineas } from './lineas.ts';
import { linearAct } from './linear-act.ts';
import { meanAct } from './mean-act.ts';
import type { ClosedFormMethod, SteeringMethodInfo } from './method.ts';

export const STEERING_METHODS = [meanAct, linearAct, lineas, imported] as const;

/** A method's id as stored in intervention files. */
export type SteeringMethod = (typeof STEERING_METHODS)[number]['id'];

/** The methods fitted in closed form (Mean-AcT, Linear-AcT). */
export type ClosedFormMethodId = Extract<(typeof STEERING_METHODS)[number], { kind: 'closed-form' }>['id'];

/** The methods a user can make in the app (fit or train): every one but the imported. */
export const FITTABLE_METHODS = STEERING_METHODS.filter((m) => m.kind !== 'imported');

export function isSteeringMethod(id: string): id is SteeringMethod {
  return STEERING_METHODS.some((m) => m.id === id);
}

export function steeringMethod(id: string): SteeringMethodInfo | undefined {
  return STEERING_METHODS.find((m) => m.id === id);
}

export function closedFormMethod(id: string): ClosedFormMethod<ClosedFormMethodId> | undefined {
  const m = steeringMethod(id);
  return m?.kind === 'closed-form' ? (m as ClosedFormMethod<ClosedFormMethodId>) : undefined;
}

/** The name people read ("Mean-AcT"); an unknown id as it is. */
export function methodName(id: string): string {
  return steeringMethod(id)?.label ?? id;
}
