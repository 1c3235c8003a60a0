/**
 * Tag rules shared by the stream-tagging actions (AddTagsToStream, TagResource, ...) beyond the model's
 * lengths: AWS's character rule with its two error texts.
 */
import { kinesisErrors } from './errors.ts';
import type { KinesisEngine } from './engine.ts';

// Unicode letters, digits, white space and _ . / = + - % @ (AWS's tag character rule), plus ':' as AWS's tagging
// pattern [\p{L}\p{Z}\p{N}_.:/=+\-@%] allows. "White space" is Unicode's separators (\p{Z}: space, no-break
// space, …): tab, newline and the other control characters are refused, as AWS refuses them.
const BAD_TAG_CHAR = /[^\p{L}\p{Z}\p{N}_./=+\-%@:]/u;

export function checkTagChars(strings: readonly string[], verb: 'add' | 'remove', name: string, engine: KinesisEngine): void {
  if (strings.some((s) => BAD_TAG_CHAR.test(s))) {
    throw kinesisErrors.format('InvalidArgumentException', 'tagCharacters', {});
  }
  if (strings.some((s) => s.includes('%'))) {
    throw kinesisErrors.format('InvalidArgumentException', 'tagIllegalCharacters', {
      verb,
      direction: verb === 'add' ? 'to' : 'from',
      stream: name,
      account: engine.accountId,
    });
  }
}
