using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace JobExporter.Mixin;

/// <summary>
/// Writes a JSON document as block YAML for Prometheus: multi-line strings (expressions) as literal
/// blocks so they stay readable, strings that would read as another type quoted, and the keys of a rule
/// in the order people read them (alert or record first).
/// </summary>
internal static class RuleYaml
{
    private static readonly string[] KeyOrder =
        ["apiVersion", "kind", "metadata", "spec", "name", "namespace", "interval", "rules", "alert", "record", "expr", "for", "labels", "annotations"];

    public static string FromJson(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        text.Write($"# Generated from mixin/{source} by `make mixin`; do not edit.\n");
        var emitter = new Emitter(text, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024, indentSequences: false));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Write(emitter, doc.RootElement);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Write(IEmitter emitter, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Block));
                foreach (var property in element.EnumerateObject().OrderBy(p => Rank(p.Name)).ThenBy(p => p.Name, StringComparer.Ordinal))
                {
                    WriteString(emitter, property.Name);
                    Write(emitter, property.Value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonValueKind.Array:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
                foreach (var item in element.EnumerateArray()) Write(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValueKind.String:
                WriteString(emitter, element.GetString()!);
                break;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
            case JsonValueKind.Null:
                emitter.Emit(new Scalar(null, null, element.GetRawText(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                throw new InvalidOperationException($"Unexpected JSON value kind {element.ValueKind}");
        }
    }

    private static void WriteString(IEmitter emitter, string value)
    {
        if (value.Contains('\n'))
        {
            emitter.Emit(new Scalar(null, null, value, ScalarStyle.Literal, isPlainImplicit: false, isQuotedImplicit: true));
            return;
        }
        // A plain scalar that a YAML reader would take for a number, boolean or null must be quoted.
        var plainOk = !LooksLikeNonString(value);
        emitter.Emit(new Scalar(null, null, value, ScalarStyle.Any, isPlainImplicit: plainOk, isQuotedImplicit: true));
    }

    private static bool LooksLikeNonString(string value) =>
        value.Length == 0
        || value is "~" or "null" or "Null" or "NULL" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
            or "yes" or "no" or "on" or "off" or "y" or "n" or "Yes" or "No" or "On" or "Off"
        || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
        || value.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
        || value.StartsWith("0o", StringComparison.OrdinalIgnoreCase)
        || value is ".inf" or "-.inf" or ".nan" or ".Inf" or ".NaN";

    private static int Rank(string key)
    {
        var index = Array.IndexOf(KeyOrder, key);
        return index < 0 ? KeyOrder.Length : index;
    }
}
