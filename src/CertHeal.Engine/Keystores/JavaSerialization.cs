using System.Buffers.Binary;

namespace CertHeal.Keystores;

/// <summary>
/// Measures one Java object serialization stream (magic 0xACED, version 5, one object) without
/// building anything, so a JCEKS secret-key entry (a serialized SealedObject) can be copied as
/// opaque bytes: the JCEKS layout gives no length for it. Only the grammar of
/// java.io.ObjectOutputStream is followed (class descriptors, fields, arrays, strings, block
/// data, back references); bounded in depth, handles and size.
/// </summary>
internal static class JavaSerialization
{
    private const byte TcNull = 0x70;
    private const byte TcReference = 0x71;
    private const byte TcClassDesc = 0x72;
    private const byte TcObject = 0x73;
    private const byte TcString = 0x74;
    private const byte TcArray = 0x75;
    private const byte TcClass = 0x76;
    private const byte TcBlockData = 0x77;
    private const byte TcEndBlockData = 0x78;
    private const byte TcBlockDataLong = 0x7A;
    private const byte TcLongString = 0x7C;
    private const byte TcProxyClassDesc = 0x7D;
    private const byte TcEnum = 0x7E;
    private const int BaseHandle = 0x7E0000;
    private const byte ScWriteMethod = 0x01;
    private const byte ScSerializable = 0x02;
    private const byte ScExternalizable = 0x04;
    private const byte ScBlockData = 0x08;
    private const int MaxDepth = 32;
    private const int MaxHandles = 10_000;

    /// <summary>The length of the stream at the start of <paramref name="data"/>; FormatException when it is not one.</summary>
    public static int Length(ReadOnlySpan<byte> data)
    {
        var parser = new Parser(data.ToArray());
        if (parser.UInt16() != 0xACED || parser.UInt16() != 5)
        {
            throw new FormatException("it is not a Java serialization stream");
        }
        parser.Content(0);
        return parser.Position;
    }

    private sealed record ClassDesc(string Name, byte Flags, (char Type, string? ClassName)[] Fields, ClassDesc? Super);

    private sealed class Parser(byte[] bytes)
    {
        private readonly List<object?> _handles = [];

        public int Position { get; private set; }

        public ushort UInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

        private int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        private byte Byte() => Take(1)[0];

        /// <summary>The next type code, refusing nesting deeper than <see cref="MaxDepth"/> (a hostile file must not exhaust the stack).</summary>
        private byte Tag(int depth) => depth > MaxDepth ? throw new FormatException("it nests too deeply") : Byte();

        private ReadOnlySpan<byte> Take(long count)
        {
            if (count < 0 || count > bytes.Length - Position)
            {
                throw new FormatException("it ends in the middle of a serialized object");
            }
            var span = bytes.AsSpan(Position, (int)count);
            Position += (int)count;
            return span;
        }

        private string Utf() => System.Text.Encoding.UTF8.GetString(Take(UInt16()));

        private void NewHandle(object? value)
        {
            if (_handles.Count >= MaxHandles)
            {
                throw new FormatException("it has too many objects");
            }
            _handles.Add(value);
        }

        private object? Handle()
        {
            var index = Int32() - BaseHandle;
            return index >= 0 && index < _handles.Count ? _handles[index] : throw new FormatException("it refers to an object that does not exist");
        }

        /// <summary>One content item: an object or block data; returns the class descriptor or string when that is what it was.</summary>
        public object? Content(int depth)
        {
            var tag = Tag(depth);
            switch (tag)
            {
                case TcNull:
                    return null;
                case TcReference:
                    return Handle();
                case TcClassDesc:
                case TcProxyClassDesc:
                    Position--;
                    return ClassDescriptor(depth);
                case TcString:
                {
                    var value = Utf();
                    NewHandle(value);
                    return value;
                }
                case TcLongString:
                {
                    var value = System.Text.Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadInt64BigEndian(Take(8))));
                    NewHandle(value);
                    return value;
                }
                case TcBlockData:
                    Take(Byte());
                    return null;
                case TcBlockDataLong:
                    Take(Int32());
                    return null;
                case TcClass:
                {
                    var desc = ClassDescriptor(depth);
                    NewHandle(desc);
                    return null;
                }
                case TcEnum:
                    ClassDescriptor(depth);
                    NewHandle(null);
                    Content(depth + 1);
                    return null;
                case TcArray:
                {
                    var desc = ClassDescriptor(depth) ?? throw new FormatException("an array has no class");
                    NewHandle(null);
                    var size = Int32();
                    if (size < 0)
                    {
                        throw new FormatException("an array has a negative size");
                    }
                    var element = desc.Name.Length > 1 ? desc.Name[1] : 'L';
                    if (element is 'L' or '[')
                    {
                        for (var i = 0; i < size; i++)
                        {
                            Content(depth + 1);
                        }
                    }
                    else
                    {
                        Take((long)size * PrimitiveSize(element));
                    }
                    return null;
                }
                case TcObject:
                {
                    var desc = ClassDescriptor(depth) ?? throw new FormatException("an object has no class");
                    NewHandle(null);
                    var hierarchy = new List<ClassDesc>();
                    for (var c = desc; c is not null && hierarchy.Count < MaxDepth; c = c.Super)
                    {
                        hierarchy.Insert(0, c);
                    }
                    foreach (var c in hierarchy)
                    {
                        if ((c.Flags & ScExternalizable) != 0)
                        {
                            if ((c.Flags & ScBlockData) == 0)
                            {
                                throw new FormatException("it holds an old-style externalizable object");
                            }
                            Annotation(depth);
                            continue;
                        }
                        if ((c.Flags & ScSerializable) == 0)
                        {
                            continue;
                        }
                        foreach (var (type, _) in c.Fields)
                        {
                            if (type is 'L' or '[')
                            {
                                Content(depth + 1);
                            }
                            else
                            {
                                Take(PrimitiveSize(type));
                            }
                        }
                        if ((c.Flags & ScWriteMethod) != 0)
                        {
                            Annotation(depth);
                        }
                    }
                    return null;
                }
                default:
                    throw new FormatException($"it has the unknown type code 0x{tag:X2}");
            }
        }

        /// <summary>Contents up to TC_ENDBLOCKDATA (class annotations, writeObject extras).</summary>
        private void Annotation(int depth)
        {
            for (var i = 0; i < MaxHandles; i++)
            {
                if (bytes.Length <= Position)
                {
                    throw new FormatException("it ends in the middle of a serialized object");
                }
                if (bytes[Position] == TcEndBlockData)
                {
                    Position++;
                    return;
                }
                Content(depth + 1);
            }
            throw new FormatException("an annotation does not end");
        }

        private ClassDesc? ClassDescriptor(int depth)
        {
            var tag = Tag(depth);
            switch (tag)
            {
                case TcNull:
                    return null;
                case TcReference:
                    return Handle() as ClassDesc ?? throw new FormatException("a class refers to something else");
                case TcProxyClassDesc:
                {
                    var desc = new ClassDesc("proxy", ScSerializable, [], null);
                    NewHandle(desc);
                    var interfaces = Int32();
                    for (var i = 0; i < interfaces && i < MaxHandles; i++)
                    {
                        Utf();
                    }
                    Annotation(depth);
                    return desc with { Super = ClassDescriptor(depth + 1) };
                }
                case TcClassDesc:
                {
                    var name = Utf();
                    Take(8);
                    var index = _handles.Count;
                    NewHandle(null);
                    var flags = Byte();
                    var count = UInt16();
                    var fields = new (char, string?)[count];
                    for (var i = 0; i < count; i++)
                    {
                        var type = (char)Byte();
                        Utf();
                        fields[i] = (type, type is 'L' or '[' ? Content(depth + 1) as string : null);
                    }
                    Annotation(depth);
                    var desc = new ClassDesc(name, flags, fields, null);
                    _handles[index] = desc;
                    desc = desc with { Super = ClassDescriptor(depth + 1) };
                    _handles[index] = desc;
                    return desc;
                }
                default:
                    throw new FormatException($"a class descriptor has the type code 0x{tag:X2}");
            }
        }

        private static int PrimitiveSize(char type) => type switch
        {
            'B' or 'Z' => 1,
            'C' or 'S' => 2,
            'I' or 'F' => 4,
            'J' or 'D' => 8,
            _ => throw new FormatException($"a field has the unknown type '{type}'"),
        };
    }
}
