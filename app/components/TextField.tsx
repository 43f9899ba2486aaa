// A labelled input with its error message wired up for screen readers (aria-invalid, aria-describedby).
import type { InputHTMLAttributes } from "react";

export function TextField({
  name,
  label,
  error,
  ...input
}: { name: string; label: string; error?: string } & Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id">) {
  const errorId = `${name}-error`;
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      <input
        id={name}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        {...input}
      />
      {error ? (
        <p className="field__error" id={errorId}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
