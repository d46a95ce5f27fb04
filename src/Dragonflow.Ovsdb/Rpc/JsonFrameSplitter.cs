namespace Dragonflow.Ovsdb.Rpc;

/// <summary>
/// Cuts a byte stream into JSON-RPC messages. OVSDB (RFC 7047 §4) sends JSON objects back to
/// back with no delimiter, so a message ends where the brace depth, counted outside strings,
/// returns to zero. Scanning resumes where it stopped, so bytes arriving one at a time cost
/// no rescans. Anything but whitespace between messages, a closing bracket that does not
/// match its opener, nesting deeper than <see cref="MaxDepth"/> or a message above the size
/// limit is a protocol error: the caller resets the connection.
/// </summary>
internal sealed class JsonFrameSplitter
{
    private byte[] _buffer;
    private int _start; // first byte of the message being scanned (or of unscanned data)
    private int _end;   // end of buffered data
    private int _scan;  // next byte to scan
    private int _depth;
    private readonly byte[] _openers = new byte[MaxDepth]; // '{' or '[' per open level
    private bool _inMessage;
    private bool _inString;
    private bool _escape;

    public JsonFrameSplitter(int maxMessageBytes = 64 * 1024 * 1024, int initialCapacity = 16 * 1024)
    {
        MaxMessageBytes = maxMessageBytes;
        _buffer = new byte[initialCapacity];
    }

    public int MaxMessageBytes { get; }

    public const int MaxDepth = 256;

    /// <summary>Bytes buffered that do not yet form a whole message.</summary>
    public int Pending => _end - _start;

    /// <summary>Space to receive into; call <see cref="Advance"/> with the count received.</summary>
    public Memory<byte> GetBuffer(int sizeHint = 8192)
    {
        if (_start > 0 && (_start == _end || _buffer.Length - _end < sizeHint))
        {
            // Move the partial message to the front.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _scan -= _start;
            _start = 0;
        }
        if (_buffer.Length - _end < sizeHint)
        {
            var bigger = new byte[Math.Max(_buffer.Length * 2, _end + sizeHint)];
            Buffer.BlockCopy(_buffer, 0, bigger, 0, _end);
            _buffer = bigger;
        }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    public void Append(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetBuffer(data.Length).Span);
        Advance(data.Length);
    }

    /// <summary>
    /// Returns the next complete message, valid until the next <see cref="GetBuffer"/> or
    /// <see cref="Append"/>; false when more bytes are needed.
    /// </summary>
    /// <exception cref="OvsdbProtocolException">The stream is not a sequence of JSON objects.</exception>
    public bool TryReadMessage(out ReadOnlyMemory<byte> message)
    {
        var buf = _buffer;
        while (_scan < _end)
        {
            var b = buf[_scan];
            if (!_inMessage)
            {
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                {
                    _start = ++_scan;
                    continue;
                }
                if (b != (byte)'{') throw new OvsdbProtocolException($"unexpected byte 0x{b:x2} between JSON-RPC messages");
                _inMessage = true;
                _openers[0] = b;
                _depth = 1;
                _start = _scan++;
                continue;
            }

            _scan++;
            if (_inString)
            {
                if (_escape) _escape = false;
                else if (b == (byte)'\\') _escape = true;
                else if (b == (byte)'"') _inString = false;
                continue;
            }
            switch (b)
            {
                case (byte)'"':
                    _inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    if (_depth == MaxDepth) throw new OvsdbProtocolException($"JSON nested deeper than {MaxDepth} levels");
                    _openers[_depth++] = b;
                    break;
                case (byte)'}' or (byte)']':
                    var opener = _openers[--_depth];
                    if ((b == (byte)'}') != (opener == (byte)'{'))
                        throw new OvsdbProtocolException($"'{(char)b}' closes '{(char)opener}'");
                    if (_depth == 0)
                    {
                        message = buf.AsMemory(_start, _scan - _start);
                        _start = _scan;
                        _inMessage = false;
                        return true;
                    }
                    break;
            }
        }
        if (_inMessage && _end - _start > MaxMessageBytes)
            throw new OvsdbProtocolException($"JSON-RPC message larger than {MaxMessageBytes} bytes");
        message = default;
        return false;
    }
}
