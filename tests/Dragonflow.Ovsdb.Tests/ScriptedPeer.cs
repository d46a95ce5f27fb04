using System.Net.Sockets;
using System.Text;
using Dragonflow.Testing.Sandbox;

namespace Dragonflow.Ovsdb.Tests;

/// <summary>
/// A real unix-socket peer whose every byte the test writes, to play a misbehaving OVSDB
/// server (silent, echoing, sending garbage) that ovsdb-server itself would never be.
/// </summary>
internal sealed class ScriptedPeer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _dir;

    public ScriptedPeer()
    {
        _dir = SandboxNames.RunDirectory(new SandboxNames().Next('q'));
        Directory.CreateDirectory(_dir);
        Path = System.IO.Path.Combine(_dir, "peer.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(8);
    }

    public string Path { get; }
    public string Remote => "unix:" + Path;

    public async Task<Session> AcceptAsync(TimeSpan? timeout = null) =>
        new(await _listener.AcceptAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(10)));

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public sealed class Session(Socket socket) : IDisposable
    {
        private const string EchoRequest = "\"method\":\"echo\"";
        private static readonly byte[] EchoReply = Encoding.UTF8.GetBytes("{\"id\":\"echo\",\"result\":[],\"error\":null}");
        private readonly StringBuilder _received = new();
        private Thread? _echoPump;
        private int _echoesAnswered;

        /// <summary>Echo probes of the client answered by <see cref="AnswerEchoesInBackground"/>.</summary>
        public int EchoesAnswered => Volatile.Read(ref _echoesAnswered);

        /// <summary>
        /// From now on a thread of its own reads whatever the client sends and answers each echo
        /// probe (sent with id "echo") at once: a busy thread pool cannot delay the answer past
        /// the client's probe interval. Do not call the Receive methods after this.
        /// </summary>
        public void AnswerEchoesInBackground()
        {
            _echoPump = new Thread(() =>
            {
                var buf = new byte[4096];
                var pending = "";
                try
                {
                    while (true)
                    {
                        var n = socket.Receive(buf, SocketFlags.None);
                        if (n == 0) return;
                        var text = Encoding.UTF8.GetString(buf, 0, n);
                        lock (_received) _received.Append(text);
                        pending += text;
                        int i;
                        while ((i = pending.IndexOf(EchoRequest, StringComparison.Ordinal)) >= 0)
                        {
                            pending = pending[(i + EchoRequest.Length)..];
                            socket.Send(EchoReply, SocketFlags.None);
                            Interlocked.Increment(ref _echoesAnswered);
                        }
                        // Keep only a tail that may be the start of a request split across reads.
                        if (pending.Length >= EchoRequest.Length) pending = pending[^(EchoRequest.Length - 1)..];
                    }
                }
                catch (SocketException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
            })
            { IsBackground = true, Name = "scripted-peer-echo" };
            _echoPump.Start();
        }

        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task SendAsync(byte[] bytes) => await socket.SendAsync(bytes, SocketFlags.None);

        /// <summary>Reads until the text received so far contains <paramref name="fragment"/>
        /// (at least <paramref name="occurrences"/> times).</summary>
        public async Task<string> ReceiveUntilAsync(string fragment, TimeSpan? timeout = null, int occurrences = 1)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
            var buf = new byte[4096];
            while (Count(_received.ToString(), fragment) < occurrences)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) throw new TimeoutException($"peer never received '{fragment}'; got: {_received}");
                var n = await socket.ReceiveAsync(buf, SocketFlags.None).WaitAsync(left);
                if (n == 0) throw new IOException($"client closed before sending '{fragment}'; got: {_received}");
                _received.Append(Encoding.UTF8.GetString(buf, 0, n));
            }
            return _received.ToString();
        }

        /// <summary>True when the client closed its end (read returns 0) within the timeout.</summary>
        public async Task<bool> WaitClosedAsync(TimeSpan timeout)
        {
            var buf = new byte[4096];
            var deadline = DateTime.UtcNow + timeout;
            try
            {
                while (DateTime.UtcNow < deadline)
                {
                    var n = await socket.ReceiveAsync(buf, SocketFlags.None).WaitAsync(deadline - DateTime.UtcNow);
                    if (n == 0) return true;
                    _received.Append(Encoding.UTF8.GetString(buf, 0, n));
                }
            }
            catch (SocketException)
            {
                return true;
            }
            catch (TimeoutException)
            {
            }
            return false;
        }

        public string Received
        {
            get { lock (_received) return _received.ToString(); }
        }

        private static int Count(string text, string fragment)
        {
            var n = 0;
            for (var i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + fragment.Length, StringComparison.Ordinal)) n++;
            return n;
        }

        public void Dispose()
        {
            socket.Dispose();
            _echoPump?.Join(TimeSpan.FromSeconds(5));
        }
    }
}
