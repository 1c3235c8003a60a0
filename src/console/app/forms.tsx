/**
 * What every management form of the console shares: its fields' state, one action at a time with a busy flag, the
 * outcome shown in the API's words (AWS's error code and message on a refusal), the question before a destructive
 * call, and a draft kept with the version it was begun on (so a save is sent at that version and a change made
 * elsewhere meanwhile is refused by the API rather than overwritten).
 */
import { useState } from 'preact/hooks';
import type { JSX, TargetedEvent } from 'preact';
import { errorText } from './api.ts';

/** What the last action did: its success text, or the API's refusal (`Code: message`). */
export interface Outcome {
  text: string;
  error: boolean;
}

export interface Action {
  /** The last outcome (kept until the next action replaces it). */
  outcome: Outcome | undefined;
  /** True while an action runs: its buttons are disabled, so one click sends one call. */
  busy: boolean;
  /**
   * Runs `call` unless another action is running or `options.confirm` is asked and declined; shows `done` (or
   * `done(result)`) on success, the error's text on failure, then calls the hook's `after`. Resolves to whether it succeeded.
   */
  run: <T>(done: string | ((result: T) => string), call: () => Promise<T>, options?: { confirm?: string }) => Promise<boolean>;
  /** An `onSubmit` handler that prevents the browser's submit and runs the action. */
  submit: <T>(done: string | ((result: T) => string), call: () => Promise<T>) => (e: Event) => void;
  /** Shows an outcome found without a call (a field the page checks itself), or clears it. */
  show: (outcome: Outcome | undefined) => void;
}

/** One action at a time with its outcome; `after` runs after each action that was sent (to read the resource again). */
export function useAction(after?: () => void): Action {
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async <T,>(done: string | ((result: T) => string), call: () => Promise<T>, options?: { confirm?: string }): Promise<boolean> => {
    if (busy) return false;
    if (options?.confirm !== undefined && !confirm(options.confirm)) return false;
    setBusy(true);
    let ok = false;
    try {
      const result = await call();
      setOutcome({ text: typeof done === 'function' ? done(result) : done, error: false });
      ok = true;
    } catch (e) {
      setOutcome({ text: errorText(e), error: true });
    } finally {
      setBusy(false);
    }
    after?.();
    return ok;
  };
  return {
    outcome,
    busy,
    run,
    submit: (done, call) => (e: Event) => {
      e.preventDefault();
      void run(done, call);
    },
    show: setOutcome,
  };
}

/** An outcome as a paragraph (`inline` for a span beside buttons): class `message`, or `error` for a refusal. */
export function OutcomeText({ outcome, inline = false }: { outcome: Outcome | undefined; inline?: boolean }): JSX.Element | null {
  if (!outcome) return null;
  const cls = outcome.error ? 'error' : 'message';
  return inline ? <span class={cls}>{outcome.text}</span> : <p class={cls}>{outcome.text}</p>;
}

type StringFields = Record<string, string>;

export interface Fields<T extends StringFields> {
  values: T;
  set: <K extends keyof T>(key: K, value: T[K]) => void;
  /** `name`, `value` and `onInput` for an `<input>`, `<textarea>` or `<select>` bound to `key`. */
  bind: (key: keyof T & string) => {
    name: string;
    value: string;
    onInput: (e: TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
  };
  /** Back to the first values (or to `to`). */
  reset: (to?: T) => void;
}

/** A form's text fields as one state object. */
export function useFields<T extends StringFields>(initial: T): Fields<T> {
  const [values, setValues] = useState<T>(initial);
  const set = <K extends keyof T>(key: K, value: T[K]) => setValues((v) => ({ ...v, [key]: value }));
  return {
    values,
    set,
    bind: (key) => ({ name: key, value: values[key] ?? '', onInput: (e) => set(key, e.currentTarget.value as T[typeof key]) }),
    reset: (to) => setValues(to ?? initial),
  };
}

export interface Draft<T> {
  /** The draft, or the saved value while nothing is edited. */
  value: T;
  /** True once edited. */
  dirty: boolean;
  /** The version the draft was begun on (the current one while nothing is edited): send this one, never the latest polled. */
  base: number | undefined;
  edit: (value: T) => void;
  /** Drops the draft (after a save, or to start again from the saved value). */
  clear: () => void;
}

/**
 * A draft of `saved`, the value of a resource at `version`. The first edit records `version` as the draft's base; later
 * polls move `saved` and `version` but not the base, so a save sent at `base` is refused (ConcurrentModificationException)
 * when the resource changed meanwhile, instead of overwriting the newer version.
 */
export function useDraft<T>(saved: T, version: number | undefined): Draft<T> {
  const [draft, setDraft] = useState<{ value: T; base: number | undefined } | undefined>(undefined);
  return {
    value: draft ? draft.value : saved,
    dirty: draft !== undefined,
    base: draft ? draft.base : version,
    edit: (value) => setDraft((d) => ({ value, base: d ? d.base : version })),
    clear: () => setDraft(undefined),
  };
}
