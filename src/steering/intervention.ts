import type { HookMap } from '../core/steer-map.ts';
import type { HookName } from '../model/spec.ts';

import type { SteeringMethod } from './methods/registry.ts';

export type { SteeringMethod } from './methods/registry.ts';

/** An intervention: one map per selected hook (spec section 2). */
export interface Intervention {
  modelId: string;
  method: SteeringMethod;
  hooks: Map<HookName, HookMap>;
  /** Strength the intervention was made for (1 = as trained). */
  strength: number;
  dataset?: { name: string; hash: string };
  settings?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  created?: string;
}
