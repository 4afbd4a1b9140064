/**
 * What a federated data config may not ask for: statistics fitted on one party's data. Every
 * client reads its own file, so a scaling (`data.preprocess`), impute values
 * (`data.missing.policy: 'impute'`) or categorical levels fitted per party would give each client
 * a different transform of its inputs for one shared model, silently. These are refused with
 * what to do instead; categorical columns work when their levels are given in the config. Pure.
 */
import type { z } from 'zod';
import type { DataConfig } from './config.js';

/** One refused setting: the field (under `data`) and why, with what to do. */
export interface FederatedDataIssue {
  /** Path under the data section, e.g. ['preprocess']. */
  path: string[];
  message: string;
}

/** The settings of a data config that a federated run refuses (empty when it is fine). */
export function federatedDataIssues(cfg: Pick<DataConfig, 'preprocess' | 'missing' | 'categorical'>): FederatedDataIssue[] {
  const issues: FederatedDataIssue[] = [];
  if ((cfg.preprocess ?? 'none') !== 'none') {
    issues.push({
      path: ['preprocess'],
      message: `'${cfg.preprocess}' fits its statistics on each party's own data, so every client would scale differently for one shared model; scale the files beforehand with statistics all parties share, and leave data.preprocess 'none'`,
    });
  }
  if ((cfg.missing?.policy ?? 'refuse') === 'impute') {
    issues.push({
      path: ['missing', 'policy'],
      message: "'impute' fits the means on each party's own data, so every client would fill missing cells differently; use 'drop' or 'refuse', or fill the cells beforehand with values all parties share",
    });
  }
  if (cfg.categorical !== undefined && cfg.categorical.levels === undefined) {
    issues.push({
      path: ['categorical', 'levels'],
      message: "levels fitted from each party's own file would encode the categories differently on each client; give every categorical column's levels in data.categorical.levels (the same list for all parties)",
    });
  }
  return issues;
}

/** A zod check for the data section of federated configs (server, simulation and client): adds each issue of `federatedDataIssues`. */
export function checkFederatedData(cfg: DataConfig, ctx: z.RefinementCtx): void {
  for (const issue of federatedDataIssues(cfg)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}
