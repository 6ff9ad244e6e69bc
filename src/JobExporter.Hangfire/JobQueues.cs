using System.Collections.Concurrent;
using System.Reflection;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace JobExporter.Hangfire;

/// <summary>
/// The Hangfire queue a job runs on, as Hangfire itself decides it: the queue given at creation
/// (<see cref="Job.Queue"/>), else a <see cref="QueueAttribute"/> on the method or its class, else the
/// queue of the enqueued state (also the one an awaiting continuation will be enqueued with), else <c>default</c>.
/// </summary>
internal static class JobQueues
{
    private static readonly ConcurrentDictionary<(Type, MethodInfo), QueueAttribute?> Attributes = new();

    public static string Of(Job? job, IState? state = null)
    {
        if (job is not null)
        {
            if (!string.IsNullOrEmpty(job.Queue)) return job.Queue;
            var attribute = Attributes.GetOrAdd((job.Type, job.Method), static key =>
                key.Item2.GetCustomAttribute<QueueAttribute>(inherit: true) ?? key.Item1.GetCustomAttribute<QueueAttribute>(inherit: true));
            if (attribute is not null) return FormatQueue(attribute.Queue, job);
        }
        return state switch
        {
            EnqueuedState enqueued => enqueued.Queue,
            AwaitingState { NextState: EnqueuedState next } => next.Queue,
            _ => EnqueuedState.DefaultQueue,
        };
    }

    // The attribute may use the job's arguments as a format ("tenant-{0}"), as Hangfire does.
    private static string FormatQueue(string queue, Job job)
    {
        if (!queue.Contains('{')) return queue;
        try
        {
            return string.Format(queue, job.Args.ToArray());
        }
        catch (FormatException)
        {
            return queue;
        }
    }
}
