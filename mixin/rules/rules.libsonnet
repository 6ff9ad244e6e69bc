// Every recording rule group of the mixin.
(import 'jobs.libsonnet')
