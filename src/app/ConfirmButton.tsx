import { useEffect, useRef, useState, type ReactNode } from 'react';

interface ConfirmButtonProps {
  /** The button's text, and its accessible name when it needs a longer one. */
  label: string;
  ariaLabel?: string;
  /** The question's group name (for screen readers) and text. */
  question: string;
  children: ReactNode;
  confirmLabel: string;
  keepLabel: string;
  onConfirm: () => void;
  disabled: boolean;
}

/** A destructive button that asks first: the question replaces it, with the safe answer focused. */
export function ConfirmButton({ label, ariaLabel, question, children, confirmLabel, keepLabel, onConfirm, disabled }: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const keep = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (asking) keep.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <button type="button" className="secondary small danger-outline" disabled={disabled} aria-label={ariaLabel} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <div className="confirm" role="group" aria-label={question}>
      <p>{children}</p>
      <div className="row">
        <button
          type="button"
          className="danger small"
          onClick={() => {
            onConfirm();
            setAsking(false);
          }}
        >
          {confirmLabel}
        </button>
        <button type="button" className="secondary small" ref={keep} onClick={() => setAsking(false)}>
          {keepLabel}
        </button>
      </div>
    </div>
  );
}
