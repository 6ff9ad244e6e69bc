// The demo's own failure-burst classes (`make run`): the library's defaults name no job. Rendered into
// deploy/local/rules/ by `make mixin`; scripts/run-demo.sh loads those files.
// InvoiceJob.Send normally fails 1 % of its runs and 70 % during the demo's bursts: a share of 5 %
// tells the two apart. ReportJob.Build may fail often before anyone needs to look, and OrderConsumer fails
// every 11th order on purpose (9 %, right at the default class's 10 %: it would flap at the start).
{
  alerts+: {
    failureBurst+: {
      classes+: {
        critical+: { name: 'InvoiceJob\\..*', threshold: 3, minShare: 0.05 },
        low+: { name: 'ReportJob\\..*|OrderConsumer' },
      },
    },
  },
}
