import { OptionProblem } from '../metrics/context-options.js';
import { parseMetricSpecs } from '../metrics/metric-spec.js';
import { ValueProblem, type ValueParser } from './values.js';

const SYNTAX = "Hubble metrics in Cilium's hubble-metrics syntax (name or name:option;option=value, separated by spaces or as a YAML list)";

/** The metric entries as given, after checking every name, option and context value. */
export const hubbleMetricList: ValueParser<string[]> = (raw) => {
  let entries: string[];
  if (raw === null || raw === undefined) entries = [];
  else if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) entries = raw.flatMap((item) => item.trim().split(/\s+/));
  else if (typeof raw === 'string') entries = raw.trim().split(/\s+/);
  else throw new ValueProblem(SYNTAX);
  entries = entries.filter((entry) => entry !== '');
  try {
    parseMetricSpecs(entries);
  } catch (err) {
    if (err instanceof OptionProblem) throw new ValueProblem(`${SYNTAX}: ${err.message}`);
    throw err;
  }
  return entries;
};
