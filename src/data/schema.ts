// The input schema: the seed's three tables (plus the held-out event log), column by column,
// with the value sets that are fixed by the schema. Free-text categories (country, location,
// category, format, advertiser_id) have no fixed set: their vocabularies are read from the data.

export const AGE_GROUPS = ['18-24', '25-34', '35-44', '45+'] as const;
export const GENDERS = ['M', 'F'] as const;
export const DEVICES = ['mobile', 'desktop', 'tablet'] as const;

export type ColumnType =
  | { kind: 'id' } // non-negative integer identifier
  | { kind: 'int'; min: number; max: number } // bounded integer (flags are int 0..1)
  | { kind: 'enum'; values: readonly string[] } // fixed value set
  | { kind: 'category' } // free text, vocabulary read from the data
  | { kind: 'bid' } // finite number > 0
  | { kind: 'time' }; // event_time: a number or a timestamp, only used for ordering

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  optional?: boolean;
}

export type TableName = 'event_log' | 'test_event_log' | 'user_catalog' | 'ad_catalog';

const EVENT_COLUMNS: readonly ColumnSpec[] = [
  { name: 'user_id', type: { kind: 'id' } },
  { name: 'ad_id', type: { kind: 'id' } },
  { name: 'device', type: { kind: 'enum', values: DEVICES } },
  { name: 'location', type: { kind: 'category' } },
  { name: 'weekday', type: { kind: 'int', min: 1, max: 7 } },
  { name: 'month', type: { kind: 'int', min: 1, max: 12 } },
  { name: 'hour', type: { kind: 'int', min: 0, max: 23 } },
  { name: 'clicked', type: { kind: 'int', min: 0, max: 1 } },
  { name: 'converted', type: { kind: 'int', min: 0, max: 1 } },
  { name: 'event_time', type: { kind: 'time' }, optional: true },
];

export const TABLE_COLUMNS: Readonly<Record<TableName, readonly ColumnSpec[]>> = {
  event_log: EVENT_COLUMNS,
  test_event_log: EVENT_COLUMNS,
  user_catalog: [
    { name: 'user_id', type: { kind: 'id' } },
    { name: 'age_group', type: { kind: 'enum', values: AGE_GROUPS } },
    { name: 'gender', type: { kind: 'enum', values: GENDERS } },
    { name: 'country', type: { kind: 'category' } },
  ],
  ad_catalog: [
    { name: 'ad_id', type: { kind: 'id' } },
    { name: 'category', type: { kind: 'category' } },
    { name: 'advertiser_id', type: { kind: 'id' } },
    { name: 'format', type: { kind: 'category' } },
    { name: 'bid', type: { kind: 'bid' } },
  ],
};

/** The key column of a catalogue, or undefined for event logs. */
export const CATALOG_KEY: Partial<Record<TableName, string>> = { user_catalog: 'user_id', ad_catalog: 'ad_id' };

export const EVENT_LOG_HEADER = EVENT_COLUMNS.filter((c) => !c.optional).map((c) => c.name);
export const USER_CATALOG_HEADER = TABLE_COLUMNS.user_catalog.map((c) => c.name);
export const AD_CATALOG_HEADER = TABLE_COLUMNS.ad_catalog.map((c) => c.name);

/** The largest identifier value that round-trips exactly through a JavaScript number. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;
