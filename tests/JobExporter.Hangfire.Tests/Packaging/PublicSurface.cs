using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace JobExporter.Hangfire.Tests.Packaging;

/// <summary>
/// The public surface of one assembly as text, a line per public (or protected) type and member, sorted, read from its
/// metadata alone: no dependency (Hangfire, MassTransit, RabbitMQ.Client) needs to load. Parameter names are part of it
/// (a caller may name them); attributes and default values are not.
/// </summary>
internal static class PublicSurface
{
    public static IReadOnlyList<string> Of(byte[] assembly)
    {
        using var pe = new PEReader(ImmutableArray.Create(assembly));
        var reader = pe.GetMetadataReader();
        var names = new TypeNames();
        var lines = new List<string>();
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if (!IsVisible(reader, type)) continue;
            var typeName = TypeNames.Definition(reader, handle);
            var context = new GenericContext(GenericNames(reader, type.GetGenericParameters()), []);
            // "Name (kind) : bases" sorts right before the type's own "Name: member" lines.
            lines.Add($"{typeName} ({Kind(reader, type)}){Bases(reader, type, names, context)}");

            foreach (var fieldHandle in type.GetFields())
            {
                var field = reader.GetFieldDefinition(fieldHandle);
                if (!IsVisible(field.Attributes & FieldAttributes.FieldAccessMask, FieldAttributes.Public, FieldAttributes.Family, FieldAttributes.FamORAssem)) continue;
                var name = reader.GetString(field.Name);
                if (name == "value__") continue;
                var modifiers = (field.Attributes & FieldAttributes.Literal) != 0 ? "const " : (field.Attributes & FieldAttributes.Static) != 0 ? "static " : "";
                lines.Add($"{typeName}: field {modifiers}{field.DecodeSignature(names, context)} {name}");
            }
            foreach (var methodHandle in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(methodHandle);
                if (!IsVisible(method.Attributes & MethodAttributes.MemberAccessMask, MethodAttributes.Public, MethodAttributes.Family, MethodAttributes.FamORAssem)) continue;
                var name = reader.GetString(method.Name);
                var accessor = (method.Attributes & MethodAttributes.SpecialName) != 0 && !name.StartsWith(".ctor", StringComparison.Ordinal)
                    && !name.StartsWith("op_", StringComparison.Ordinal);
                var methodContext = context with { Method = GenericNames(reader, method.GetGenericParameters()) };
                var signature = method.DecodeSignature(names, methodContext);
                var parameters = method.GetParameters().Select(reader.GetParameter).Where(p => p.SequenceNumber > 0)
                    .ToDictionary(p => p.SequenceNumber, p => reader.GetString(p.Name));
                var arguments = signature.ParameterTypes.Select((t, i) => $"{t} {parameters.GetValueOrDefault(i + 1, $"arg{i}")}");
                var generic = methodContext.Method.Length > 0 ? $"<{string.Join(", ", methodContext.Method)}>" : "";
                var modifiers = ((method.Attributes & MethodAttributes.Static) != 0 ? "static " : "")
                    + ((method.Attributes & MethodAttributes.Abstract) != 0 && !type.Attributes.HasFlag(TypeAttributes.Interface) ? "abstract " : "")
                    + ((method.Attributes & MethodAttributes.Virtual) != 0 && (method.Attributes & MethodAttributes.Final) == 0
                       && (method.Attributes & MethodAttributes.Abstract) == 0 ? "virtual " : "")
                    + ((method.Attributes & MethodAttributes.Family) == MethodAttributes.Family
                       && (method.Attributes & MethodAttributes.MemberAccessMask) != MethodAttributes.Public ? "protected " : "");
                lines.Add($"{typeName}: {(accessor ? "accessor " : "")}{modifiers}{signature.ReturnType} {name}{generic}({string.Join(", ", arguments)})");
            }
            foreach (var eventHandle in type.GetEvents())
            {
                var @event = reader.GetEventDefinition(eventHandle);
                var adder = reader.GetMethodDefinition(@event.GetAccessors().Adder);
                if (!IsVisible(adder.Attributes & MethodAttributes.MemberAccessMask, MethodAttributes.Public, MethodAttributes.Family, MethodAttributes.FamORAssem)) continue;
                lines.Add($"{typeName}: event {TypeNames.Any(reader, @event.Type, names, context)} {reader.GetString(@event.Name)}");
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static bool IsVisible(MetadataReader reader, TypeDefinition type)
    {
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (visibility == TypeAttributes.Public) return true;
        if (visibility is not (TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem)) return false;
        return IsVisible(reader, reader.GetTypeDefinition(type.GetDeclaringType()));
    }

    private static bool IsVisible<T>(T access, params T[] visible) where T : struct, Enum => visible.Contains(access);

    private static string Kind(MetadataReader reader, TypeDefinition type)
    {
        var attributes = type.Attributes;
        if ((attributes & TypeAttributes.Interface) != 0) return "interface";
        var baseName = type.BaseType.IsNil ? "" : TypeNames.Any(reader, type.BaseType, new TypeNames(), new GenericContext([], []));
        if (baseName == "System.Enum") return "enum";
        if (baseName == "System.ValueType") return "struct";
        if (baseName == "System.MulticastDelegate") return "delegate";
        var isStatic = (attributes & TypeAttributes.Abstract) != 0 && (attributes & TypeAttributes.Sealed) != 0;
        return isStatic ? "static class"
            : (attributes & TypeAttributes.Abstract) != 0 ? "abstract class"
            : (attributes & TypeAttributes.Sealed) != 0 ? "sealed class"
            : "class";
    }

    private static string Bases(MetadataReader reader, TypeDefinition type, TypeNames names, GenericContext context)
    {
        var bases = new List<string>();
        if (!type.BaseType.IsNil)
        {
            var baseName = TypeNames.Any(reader, type.BaseType, names, context);
            if (baseName is not ("object" or "System.Enum" or "System.ValueType" or "System.MulticastDelegate")) bases.Add(baseName);
        }
        bases.AddRange(type.GetInterfaceImplementations()
            .Select(i => TypeNames.Any(reader, reader.GetInterfaceImplementation(i).Interface, names, context)).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string[] GenericNames(MetadataReader reader, GenericParameterHandleCollection parameters) =>
        [.. parameters.Select(p => reader.GetString(reader.GetGenericParameter(p).Name))];

    internal sealed record GenericContext(string[] Type, string[] Method);

    /// <summary>Type names as C# writes them, namespace included (keywords for the primitive types).</summary>
    private sealed class TypeNames : ISignatureTypeProvider<string, GenericContext>
    {
        public static string Any(MetadataReader reader, EntityHandle handle, TypeNames names, GenericContext context) => handle.Kind switch
        {
            HandleKind.TypeDefinition => Definition(reader, (TypeDefinitionHandle)handle),
            HandleKind.TypeReference => Reference(reader, (TypeReferenceHandle)handle),
            HandleKind.TypeSpecification => reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(names, context),
            _ => handle.Kind.ToString(),
        };

        public static string Definition(MetadataReader reader, TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = WithoutArity(reader.GetString(type.Name));
            if (!type.GetDeclaringType().IsNil) return $"{Definition(reader, type.GetDeclaringType())}.{name}";
            var ns = reader.GetString(type.Namespace);
            return ns.Length == 0 ? name : $"{ns}.{name}";
        }

        private static string Reference(MetadataReader reader, TypeReferenceHandle handle)
        {
            var type = reader.GetTypeReference(handle);
            var name = WithoutArity(reader.GetString(type.Name));
            if (type.ResolutionScope.Kind == HandleKind.TypeReference) return $"{Reference(reader, (TypeReferenceHandle)type.ResolutionScope)}.{name}";
            var ns = reader.GetString(type.Namespace);
            var full = ns.Length == 0 ? name : $"{ns}.{name}";
            return full == "System.Object" ? "object" : full;
        }

        private static string WithoutArity(string name) => name.IndexOf('`') is var tick and >= 0 ? name[..tick] : name;

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
        {
            PrimitiveTypeCode.Boolean => "bool", PrimitiveTypeCode.Byte => "byte", PrimitiveTypeCode.SByte => "sbyte",
            PrimitiveTypeCode.Char => "char", PrimitiveTypeCode.Int16 => "short", PrimitiveTypeCode.UInt16 => "ushort",
            PrimitiveTypeCode.Int32 => "int", PrimitiveTypeCode.UInt32 => "uint", PrimitiveTypeCode.Int64 => "long",
            PrimitiveTypeCode.UInt64 => "ulong", PrimitiveTypeCode.Single => "float", PrimitiveTypeCode.Double => "double",
            PrimitiveTypeCode.String => "string", PrimitiveTypeCode.Object => "object", PrimitiveTypeCode.Void => "void",
            PrimitiveTypeCode.IntPtr => "nint", PrimitiveTypeCode.UIntPtr => "nuint",
            PrimitiveTypeCode.TypedReference => "System.TypedReference",
            _ => typeCode.ToString(),
        };

        public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) => Definition(r, handle);
        public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind) => Reference(r, handle);
        public string GetTypeFromSpecification(MetadataReader r, GenericContext context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, context);
        public string GetSZArrayType(string elementType) => $"{elementType}[]";
        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => $"ref {elementType}";
        public string GetPointerType(string elementType) => $"{elementType}*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetFunctionPointerType(MethodSignature<string> signature) =>
            $"delegate*<{string.Join(", ", signature.ParameterTypes.Append(signature.ReturnType))}>";
        public string GetGenericTypeParameter(GenericContext context, int index) => context.Type[index];
        public string GetGenericMethodParameter(GenericContext context, int index) => context.Method[index];
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
            genericType == "System.Nullable" ? $"{typeArguments[0]}?" : $"{genericType}<{string.Join(", ", typeArguments)}>";
    }
}
