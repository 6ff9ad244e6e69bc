// The demo's own failure-burst classes (`make run`): the library's defaults name no job. Rendered into
// deploy/local/rules/ by `make mixin`; scripts/run-demo.sh loads those files.
// InvoiceJob.Send normally fails 1 % of its runs and 70 % during the demo's bursts: a share of 5 %
// tells the two apart. ReportJob.Build may fail often before anyone needs to look.
{
  alerts+: {
    failureBurst+: {
      classes+: {
        critical+: { name: 'InvoiceJob\\..*', threshold: 3, minShare: 0.05 },
        low+: { name: 'ReportJob\\..*' },
      },
    },
  },
}
