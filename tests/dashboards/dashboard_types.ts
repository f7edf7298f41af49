// The dashboard JSON model as TypeScript types, from @grafana/schema (the package Grafana
// generates from its own schema). schema_check.js assigns every dashboard, as an object literal,
// to DashboardJson and to StrictDashboardJson and runs tsc --strict: an object literal assigned
// to a type gets excess-property checks at every level, so an unknown field anywhere, a missing
// required field or a wrong type is an error.
import type {
  Dashboard,
  DataQuery,
  DataSourceRef,
  FieldConfig,
  FieldConfigSource,
  Panel,
  RowPanel,
} from '@grafana/schema';
import type * as BarGauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as Heatmap from '@grafana/schema/dist/esm/raw/composable/heatmap/panelcfg/x/HeatmapPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as StateTimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as Table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

// A TypeScript string enum is nominal: the JSON string "palette-classic" is not assignable to
// FieldColorModeId although it is that enum member's value. JSON carries the values, so Json<T>
// replaces every string enum by the union of its values and keeps everything else (objects,
// optional fields, index signatures, unions, numbers, numeric enums) as it is.
export type Json<T> =
  T extends string ? (string extends T ? string : `${T}`) :
  T extends number | boolean | null | undefined ? T :
  T extends ReadonlyArray<infer U> ? Array<Json<U>> :
  T extends object ? { [K in keyof T]: Json<T[K]> } :
  T;

// The dashboard exactly as @grafana/schema types it. Panels' options, targets and
// fieldConfig.defaults.custom are open records there.
export type DashboardJson = Json<Dashboard>;

// Prometheus queries as Grafana's Prometheus data source stores them (its PromQuery model;
// @grafana/schema has no Prometheus query type).
export interface PrometheusTarget extends DataQuery {
  datasource: DataSourceRef;
  editorMode?: 'code' | 'builder';
  exemplar?: boolean;
  expr: string;
  format?: 'time_series' | 'table' | 'heatmap';
  instant?: boolean;
  interval?: string;
  intervalFactor?: number;
  legendFormat?: string;
  range?: boolean;
}

// A panel of one type, with that panel plugin's own Options and FieldConfig types from
// @grafana/schema (the types Grafana's panel editor saves).
type TypedPanel<T extends string, O, C> =
  Omit<Panel, 'type' | 'datasource' | 'targets' | 'options' | 'fieldConfig'> & {
    type: T;
    datasource: DataSourceRef;
    targets: PrometheusTarget[];
    options: O;
    fieldConfig: Omit<FieldConfigSource, 'defaults'> & {
      defaults: Omit<FieldConfig, 'custom'> & { custom?: C };
    };
  };

export type StrictPanel =
  | TypedPanel<'bargauge', BarGauge.Options, never>
  | TypedPanel<'heatmap', Heatmap.Options, Heatmap.FieldConfig>
  | TypedPanel<'stat', Stat.Options, never>
  | TypedPanel<'state-timeline', StateTimeline.Options, StateTimeline.FieldConfig>
  | TypedPanel<'table', Table.Options, Table.FieldConfig>
  | TypedPanel<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>;

// The dashboard with every panel checked against its plugin's types: only the panel types
// above, Prometheus targets only.
export type StrictDashboardJson = Json<Omit<Dashboard, 'panels'> & { panels: Array<StrictPanel | RowPanel> }>;
