using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;
using Hangfire;
using Hangfire.Common;

namespace JobExporter.Hangfire;

/// <summary>
/// The <c>name</c> label of a job: <c>Type.Method</c>, or the display name set with
/// <see cref="JobDisplayNameAttribute"/> or <see cref="DisplayNameAttribute"/> (unformatted, so that
/// job arguments never become label values). Names are cached per type and method.
/// </summary>
internal static class JobNames
{
    /// <summary>The name of a job whose type or method could not be loaded.</summary>
    public const string Unknown = "unknown";

    private static readonly ConcurrentDictionary<(Type, MethodInfo), string> Cache = new();

    public static string Of(Job? job) => job is null ? Unknown : Cache.GetOrAdd((job.Type, job.Method), static key => Build(key.Item1, key.Item2));

    private static string Build(Type type, MethodInfo method)
    {
        var display = method.GetCustomAttribute<JobDisplayNameAttribute>()?.DisplayName
            ?? method.GetCustomAttribute<DisplayNameAttribute>()?.DisplayName;
        return string.IsNullOrWhiteSpace(display) ? $"{type.Name}.{method.Name}" : display!;
    }
}
