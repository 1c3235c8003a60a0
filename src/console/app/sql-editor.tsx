/**
 * The SQL editor: CodeMirror 6 with a KDA-SQL dialect (standard SQL plus Kinesis Analytics' stream keywords
 * and functions) and the server's checker (`freshet sql check`, POST /console/api/sql-check) as a linter,
 * so line:column errors show inline as you type.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { sql, SQLDialect, StandardSQL } from '@codemirror/lang-sql';
import { bracketMatching, syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { linter, lintGutter } from '@codemirror/lint';
import type { Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useRef } from 'preact/hooks';
import { consolePost } from './api.ts';

const KDA_KEYWORDS =
  'stream pump rowtime windowed step range rows preceding following partition over tumbling sliding monotonic cursor ' +
  'random_cut_forest random_cut_forest_with_explanation hotspots stddev_pop stddev_samp var_pop var_samp first_value last_value ' +
  'current_row_timestamp float floor ceil char_length substring trim position lower upper coalesce nullif cast ' +
  'ts_to_char char_to_timestamp timestamp_to_char unix_timestamp';

const KdaSql = SQLDialect.define({
  ...StandardSQL.spec,
  keywords: `${(StandardSQL.spec.keywords ?? '').trim()} ${KDA_KEYWORDS}`,
});

interface CheckResult {
  errors: Array<{ line: number; column: number; message: string }>;
}

/** Where the checker's line:column (1-based) falls in the document, clamped to it. */
function positionOf(view: EditorView, line: number, column: number): { from: number; to: number } {
  const doc = view.state.doc;
  const l = doc.line(Math.min(Math.max(1, line), doc.lines));
  const from = Math.min(l.from + Math.max(0, column - 1), l.to);
  const word = /^[\w"]+/.exec(doc.sliceString(from, l.to));
  return { from, to: Math.max(from + (word ? word[0].length : 1), from) };
}

export function SqlEditor({
  code,
  application,
  onChange,
  onCheck,
}: {
  code: string;
  application: string | undefined;
  onChange: (code: string) => void;
  onCheck?: (errors: CheckResult['errors']) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const handlers = useRef({ onChange, onCheck });
  handlers.current = { onChange, onCheck };

  useEffect(() => {
    const check = linter(
      async (v): Promise<Diagnostic[]> => {
        const text = v.state.doc.toString();
        const { errors } = await consolePost<CheckResult>('sql-check', { code: text, application });
        handlers.current.onCheck?.(errors);
        return errors.map((e) => ({ ...positionOf(v, e.line, e.column), severity: 'error' as const, message: `${e.line}:${e.column}: ${e.message}` }));
      },
      { delay: 300 },
    );
    view.current = new EditorView({
      parent: box.current!,
      state: EditorState.create({
        doc: code,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          highlightActiveLine(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          sql({ dialect: KdaSql, upperCaseKeywords: true }),
          syntaxHighlighting(defaultHighlightStyle),
          lintGutter(),
          check,
          EditorView.lineWrapping,
          EditorView.updateListener.of((u) => {
            if (u.docChanged) handlers.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    return () => view.current?.destroy();
  }, [application]);

  // A new version from the server (after an update) replaces the text when it differs.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== code) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: code } });
  }, [code]);

  return <div class="sql-editor" ref={box} data-testid="sql-editor" />;
}
