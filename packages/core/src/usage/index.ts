/** Usage metering: what each Execute / Query call cost, per-bucket totals and prices (docs/operations.md "Usage metering"). */
export { metered, MeteringScanExecutor, scannedOf, sumUsage, type JobUsage, type UsageBreakdown } from './usage-meter.ts';
export { UsageLedger, type UsagePrices, type UsageTotals } from './usage-ledger.ts';
