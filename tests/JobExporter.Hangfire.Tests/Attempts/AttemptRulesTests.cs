using JobExporter.Contracts;
using JobExporter.Hangfire.Attempts;
using static JobExporter.Hangfire.Attempts.AttemptPhase;

namespace JobExporter.Hangfire.Tests.Attempts;

/// <summary>
/// The Hangfire attempt's rules as tables: each row is one hook call in plain values (the attempt's phase, the
/// election) and the step it must come to (the next phase, the event with its runtime and exception). Row names say
/// what happened to the job, as the rules' own description does.
/// </summary>
[TestFixture]
public sealed class AttemptRulesTests
{
    // The run every row that ran shares: 2.5 s, and the exception it threw when a row says so.
    private const double Runtime = 2.5;
    private const string Thrown = "TimeoutException";

    private static Election Leaving(ElectedState candidate, string? failure = null, bool canceled = false) =>
        new(FromProcessing: true, candidate, Failure: failure is not null, FailureException: failure, Canceled: canceled);

    private static Election Outside(ElectedState candidate, string? failure = null) =>
        new(FromProcessing: false, candidate, Failure: failure is not null, FailureException: failure);

    /// <summary>One row: the rules' step for the row's values, and the step expected. Public for NUnit; the values stay internal.</summary>
    public sealed class Step
    {
        private readonly Func<AttemptStep> _actual;

        internal Step(Func<AttemptStep> actual, AttemptStep expected) => (_actual, Expected) = (actual, expected);

        internal AttemptStep Actual() => _actual();
        internal AttemptStep Expected { get; }
    }

    private static TestCaseData Row(string name, AttemptPhase phase, Election election, AttemptStep expected, string? runException = null) =>
        new TestCaseData(new Step(() => AttemptRules.Elected(election, phase, phase is Finished ? Runtime : 0, runException), expected)).SetName(name);

    private static TestCaseData Row(string name, Func<AttemptStep> actual, AttemptStep expected) => new TestCaseData(new Step(actual, expected)).SetName(name);

    public static IEnumerable<TestCaseData> Elections()
    {
        // Taking the job.
        yield return Row("A worker that takes an enqueued job publishes job-received", None, Outside(ElectedState.Processing),
            new AttemptStep(Received, EventType.JobReceived, Takes: true, ByAttempt: true));
        yield return Row("The worker electing Processing again after a failed commit receives nothing new", Received, Outside(ElectedState.Processing),
            new AttemptStep(Received));
        yield return Row("A job a shutdown put back is received anew", None, Leaving(ElectedState.Processing),
            new AttemptStep(Received, EventType.JobReceived, Takes: true, ByAttempt: true));

        // Leaving Processing after the job ran.
        yield return Row("A job that ran and returned is job-succeeded with its runtime", Finished, Leaving(ElectedState.Succeeded),
            new AttemptStep(Reported, EventType.JobSucceeded, Runtime, ByAttempt: true));
        yield return Row("A job that threw and that AutomaticRetry schedules again is job-retried with its runtime and exception", Finished,
            Leaving(ElectedState.Other, failure: Thrown), new AttemptStep(Reported, EventType.JobRetried, Runtime, Thrown, ByAttempt: true), Thrown);
        yield return Row("A job that threw and that a retry filter enqueues again is job-retried", Finished,
            Leaving(ElectedState.Enqueued, failure: Thrown), new AttemptStep(Reported, EventType.JobRetried, Runtime, Thrown, ByAttempt: true), Thrown);
        yield return Row("A job that threw on its last attempt ends Failed and is job-failed with its runtime and exception", Finished,
            Leaving(ElectedState.Failed, failure: Thrown), new AttemptStep(Reported, EventType.JobFailed, Runtime, Thrown, ByAttempt: true), Thrown);
        yield return Row("A job that threw and that AutomaticRetry deletes at its last attempt is job-failed", Finished,
            Leaving(ElectedState.Deleted, failure: Thrown), new AttemptStep(Reported, EventType.JobFailed, Runtime, Thrown, ByAttempt: true), Thrown);
        yield return Row("A job whose exception a filter handled is job-succeeded", Finished, Leaving(ElectedState.Succeeded),
            new AttemptStep(Reported, EventType.JobSucceeded, Runtime, ByAttempt: true));
        yield return Row("A job that ran without failing and that a filter deletes is job-succeeded", Finished, Leaving(ElectedState.Deleted),
            new AttemptStep(Reported, EventType.JobSucceeded, Runtime, ByAttempt: true));
        yield return Row("A job that ran without failing and that a filter moves to another state is job-succeeded", Finished,
            Leaving(ElectedState.Other), new AttemptStep(Reported, EventType.JobSucceeded, Runtime, ByAttempt: true));
        yield return Row("A cancelled job that had run is job-rejected", Finished, Leaving(ElectedState.Deleted, canceled: true),
            new AttemptStep(Reported, EventType.JobRejected, ByAttempt: true));

        // Leaving Processing before the job ran.
        yield return Row("A filter that throws before the job runs makes it job-retried with runtime 0 and the filter's exception", Received,
            Leaving(ElectedState.Other, failure: Thrown), new AttemptStep(Reported, EventType.JobRetried, 0, Thrown, ByAttempt: true));
        yield return Row("A filter that throws before the job's last attempt makes it job-failed with runtime 0", Received,
            Leaving(ElectedState.Failed, failure: Thrown), new AttemptStep(Reported, EventType.JobFailed, 0, Thrown, ByAttempt: true));
        yield return Row("A job a filter cancelled is job-rejected", Received, Leaving(ElectedState.Deleted, canceled: true),
            new AttemptStep(Reported, EventType.JobRejected, ByAttempt: true));
        yield return Row("A job deleted after it was received but before it ran is job-rejected", Received, Leaving(ElectedState.Deleted),
            new AttemptStep(Reported, EventType.JobRejected, ByAttempt: true));
        yield return Row("A job that never ran is not job-succeeded", Received, Leaving(ElectedState.Succeeded), new AttemptStep(Reported));

        // While the job runs.
        yield return Row("A job that deletes itself while it runs is job-revoked", Started, Leaving(ElectedState.Deleted),
            new AttemptStep(Started, EventType.JobRevoked, ByAttempt: true));
        yield return Row("A job that changes its own state otherwise while it runs publishes nothing yet", Started,
            Leaving(ElectedState.Enqueued), new AttemptStep(Started));
        yield return Row("A job a user deletes while a worker runs it is job-revoked, named by the job", None, Leaving(ElectedState.Deleted),
            new AttemptStep(None, EventType.JobRevoked));

        // Each attempt reports once.
        yield return Row("The worker retrying a state change that failed to commit publishes nothing again", Reported,
            Leaving(ElectedState.Succeeded), new AttemptStep(Reported));
        yield return Row("The worker retrying a failed state change of a failure publishes nothing again", Reported,
            Leaving(ElectedState.Failed, failure: Thrown), new AttemptStep(Reported));

        // Outside Processing.
        yield return Row("A job that could not even be loaded is job-failed with runtime 0", None, Outside(ElectedState.Failed, failure: "JobLoadException"),
            new AttemptStep(None, EventType.JobFailed, 0, "JobLoadException"));
        yield return Row("A job a user deletes while it waits is job-revoked", None, Outside(ElectedState.Deleted), new AttemptStep(None, EventType.JobRevoked));
        yield return Row("A job enqueued or scheduled publishes no outcome", None, Outside(ElectedState.Enqueued), new AttemptStep(None));
        yield return Row("A job a running job enqueues leaves the running attempt as it is", Started, Outside(ElectedState.Other), new AttemptStep(Started));
    }

    [TestCaseSource(nameof(Elections))]
    public void An_election(Step row) => Assert.That(row.Actual(), Is.EqualTo(row.Expected));

    public static IEnumerable<TestCaseData> Runs()
    {
        yield return Row("A received job that every filter lets through is job-started and counted as running", () => AttemptRules.Performing(Received),
            new AttemptStep(Started, EventType.JobStarted, ByAttempt: true, Running: 1));
        yield return Row("A job not taken through the election here is job-started from what it carries, without job-received",
            () => AttemptRules.Performing(None), new AttemptStep(Started, EventType.JobStarted, Takes: true, ByAttempt: true, Running: 1));
        yield return Row("A job that returned or threw has finished and no longer counts as running", () => AttemptRules.Performed(Started, shutdown: false),
            new AttemptStep(Finished, Running: -1));
        yield return Row("A job stopped by a server shutdown has no outcome yet and is forgotten", () => AttemptRules.Performed(Started, shutdown: true),
            new AttemptStep(None, Running: -1));
        yield return Row("A job a filter stopped before it ran is not counted as ended", () => AttemptRules.Performed(Received, shutdown: false),
            new AttemptStep(Received));
    }

    [TestCaseSource(nameof(Runs))]
    public void A_run(Step row) => Assert.That(row.Actual(), Is.EqualTo(row.Expected));

    /// <summary>A whole attempt, call by call. Public for NUnit; the values stay internal.</summary>
    public sealed class Attempt
    {
        internal Attempt(Election[] taking, bool runs, Election outcome, string? runException, EventType[] expected) =>
            (Taking, Runs, Outcome, RunException, Expected) = (taking, runs, outcome, runException, expected);

        internal Election[] Taking { get; }
        internal bool Runs { get; }
        internal Election Outcome { get; }
        internal string? RunException { get; }
        internal EventType[] Expected { get; }
    }

    /// <summary>Whole attempts, call by call: the events they publish in order.</summary>
    public static IEnumerable<TestCaseData> Attempts()
    {
        yield return new TestCaseData(new Attempt([Outside(ElectedState.Processing)], true, Leaving(ElectedState.Succeeded), null,
            [EventType.JobReceived, EventType.JobStarted, EventType.JobSucceeded]))
            .SetName("A job that runs and returns is received, started and succeeded once");
        yield return new TestCaseData(new Attempt([Outside(ElectedState.Processing)], true, Leaving(ElectedState.Other, failure: Thrown), Thrown,
            [EventType.JobReceived, EventType.JobStarted, EventType.JobRetried]))
            .SetName("A job that throws and is retried is received, started and retried once");
        yield return new TestCaseData(new Attempt([Outside(ElectedState.Processing), Outside(ElectedState.Processing)], false,
            Leaving(ElectedState.Other, failure: Thrown), null, [EventType.JobReceived, EventType.JobRetried]))
            .SetName("A job whose filter throws is received once, even when the commit is retried, then retried and never started");
    }

    [TestCaseSource(nameof(Attempts))]
    public void An_attempt(Attempt attempt)
    {
        var phase = None;
        var published = new List<EventType>();
        void Apply(AttemptStep step)
        {
            if (step.Event is { } type) published.Add(type);
            phase = step.Next;
        }
        foreach (var election in attempt.Taking) Apply(AttemptRules.Elected(election, phase));
        if (attempt.Runs)
        {
            Apply(AttemptRules.Performing(phase));
            Apply(AttemptRules.Performed(phase, shutdown: false));
        }
        // The outcome's election, then the worker retrying it after a failed commit: published once.
        Apply(AttemptRules.Elected(attempt.Outcome, phase, Runtime, attempt.RunException));
        Apply(AttemptRules.Elected(attempt.Outcome, phase, Runtime, attempt.RunException));
        Assert.That(published, Is.EqualTo(attempt.Expected));
    }
}
