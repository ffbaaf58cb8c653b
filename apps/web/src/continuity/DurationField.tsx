import { Group, Input, NativeSelect, TextInput } from '@mantine/core';
import { useId } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { DURATION_UNITS, type DurationDraft, type DurationUnit } from './durations.ts';

/**
 * A duration typed as people say it: an amount and a unit ("4" "小時"). The error (from the API,
 * at this field) is shown under the amount and marks it invalid, where the person types.
 */
export function DurationField({
  label,
  value,
  error,
  required,
  onChange,
  units = DURATION_UNITS,
}: {
  label: string;
  value: DurationDraft;
  error?: string;
  required?: boolean;
  onChange: (value: DurationDraft) => void;
  units?: readonly DurationUnit[];
}) {
  const { t } = useI18n();
  const id = useId();
  // The label sits above both controls (a long label wraps on a phone without pushing the amount below the unit).
  return (
    <div style={{ minWidth: 0 }}>
      <Input.Label htmlFor={id} required={required} mb={4}>
        {label}
      </Input.Label>
      <Group gap={6} wrap="nowrap" align="flex-start">
        <TextInput
          id={id}
          style={{ flex: 1, minWidth: 0 }}
          required={required}
          inputMode="numeric"
          value={value.amount}
          error={error}
          onChange={(e) => onChange({ ...value, amount: e.currentTarget.value })}
        />
        <NativeSelect
          w={104}
          aria-label={t('plans.duration.unitOf', { field: label })}
          data={units.map((u) => ({ value: u, label: t(`plans.duration.unit.${u}`) }))}
          value={value.unit}
          onChange={(e) => onChange({ ...value, unit: e.currentTarget.value as DurationUnit })}
        />
      </Group>
    </div>
  );
}
