namespace JobExporter.Celery;

/// <summary>
/// The task names the exporter has seen a task-sent for: the apps that send task-sent (<c>task_send_sent_event</c>) for
/// them. Only task-sent names a task's queue, and Celery publishes it after the task message itself, so a worker's
/// task-received can come first. For these names a task-received of a task not yet sent waits in the
/// <see cref="CeleryEventHold"/> for its task-sent, and counts under the task's queue rather than <c>unknown</c>; for a
/// name no task-sent ever came for, waiting would only delay the count.
/// <para>
/// Names are kept each once, their first <see cref="LongestKey"/> characters only, at most <see cref="Capacity"/> of
/// them: past that, a new name's task-received counts at once. Two names alike that far only share whether to wait.
/// </para>
/// Not thread-safe: its decoder's owner serialises it.
/// </summary>
internal sealed class CelerySentNames(int capacity = CelerySentNames.DefaultCapacity)
{
    /// <summary>Names kept at most (each a label value, so at most a few hundred bytes).</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>Characters of a name kept: a name as long as a message allows is not held whole.</summary>
    public const int LongestKey = 128;

    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    // A stream sends many tasks of one name in a row, through one cached string: it is looked up once.
    private string? _last;

    public int Capacity { get; } = capacity;

    public int Count => _names.Count;

    public void Add(string name)
    {
        if (ReferenceEquals(name, _last)) return;
        var key = KeyOf(name);
        if (_names.Count < Capacity || _names.Contains(key))
        {
            _names.Add(key);
            _last = name;
        }
    }

    public bool Contains(string name) => ReferenceEquals(name, _last) || _names.Contains(KeyOf(name));

    private static string KeyOf(string name) => name.Length <= LongestKey ? name : name[..LongestKey];
}
