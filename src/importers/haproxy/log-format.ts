/**
 * @module HAProxy's log-format strings (header values, redirect targets, rewrite formats) and what
 * of them translates: fixed text only, since `%[fetch]` and `%var` are computed per request.
 */

/** The text of a log-format string without variables (`%%` is `%`), or undefined if it has any. */
export function staticValue(fmt: string): string | undefined {
  if (/%[^%]/.test(fmt.replace(/%%/g, ''))) return undefined;
  return fmt.replace(/%%/g, '%');
}

/** HAProxy `\1` back-references → Go's `${1}`; a literal `$` is doubled for Go's Expand. */
export function goReplacement(fmt: string): string {
  return fmt.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$${$1}');
}
