/**
 * EventBridge event patterns: a validator that rejects what EventBridge rejects, and a compiled matcher with
 * EventBridge's content-filtering semantics (exact values, prefix/suffix, equals-ignore-case, wildcard,
 * anything-but, numeric, exists, cidr, `$or`, arrays).
 *
 * Known, deliberate differences from the service:
 * - numbers are compared as values after JSON parsing (300 and 300.0 are equal), because the event text is gone;
 * - `exists: false` inside an array of objects is evaluated per element, like every other field.
 */
export {
  type CompiledPattern,
  compileEventPattern,
  EventPatternError,
  type EventPatternOptions,
  matchesEventPattern,
  NUMERIC_LIMIT,
  PATTERN_OPERATORS,
  type PatternProblem,
  validateEventPattern,
} from './compile.ts';
export { exceedsJsonDepth } from './json-depth.ts';
