/**
 * @module The parsed form of a rule. Negation is already pushed down to the matchers (De Morgan),
 * as Traefik's parser does, so the tree holds only matchers, conjunctions and disjunctions.
 */

export interface RuleArgument {
  /** The decoded Go string. */
  readonly value: string;
  /** 1-based column of the literal's opening quote. */
  readonly column: number;
}

export interface MatcherNode {
  readonly kind: 'matcher';
  /** As written (`pathprefix`); resolved against a syntax's registry at compile time. */
  readonly name: string;
  readonly column: number;
  readonly args: readonly RuleArgument[];
  readonly negated: boolean;
}

export interface AndNode {
  readonly kind: 'and';
  readonly operands: readonly RuleNode[];
}

export interface OrNode {
  readonly kind: 'or';
  readonly operands: readonly RuleNode[];
}

export type RuleNode = MatcherNode | AndNode | OrNode;
