using JobExporter.Contracts;

namespace JobExporter.MassTransit;

/// <summary>
/// A consumer attempt that threw, waiting for MassTransit's verdict: the retry policy either tries again
/// (the attempt becomes <c>job-retried</c>) or gives up and reports the fault (<c>job-failed</c>).
/// Both events are built when the attempt fails, so that their timestamps are the failure's.
/// </summary>
internal sealed record FailedAttempt(string Consumer, Exception Exception, JobEvent Retried, JobEvent Failed);
