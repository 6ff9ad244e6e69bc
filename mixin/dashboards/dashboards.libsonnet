// Every dashboard of the mixin, keyed by output file name.
(import 'overview.libsonnet') +
(import 'job.libsonnet')
