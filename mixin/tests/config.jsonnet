// The configuration the promtool scenarios run against (rendered into tests/rendered/ by `make mixin`):
// the defaults, plus one job in each non-default failure-burst class.
{
  alerts+: {
    failureBurst+: {
      classes+: {
        critical+: { name: 'Payment\\..*' },
        low+: { name: 'Cleanup\\..*' },
      },
    },
  },
}
