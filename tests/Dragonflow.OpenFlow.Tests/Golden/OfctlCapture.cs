using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dragonflow.OpenFlow.Messages;
using Dragonflow.OpenFlow.Protocol;

namespace Dragonflow.OpenFlow.Tests.Golden;

/// <summary>
/// Records what the real <c>ovs-ofctl</c> sends: we play a minimal OpenFlow 1.3 switch on a
/// loopback port (HELLO, FEATURES, ECHO, BARRIER, GET_CONFIG, empty multipart replies, bundle
/// control replies) and keep every message it sends, in order, as raw bytes.
/// </summary>
public static class OfctlCapture
{
    public sealed record Result(List<byte[]> Messages, byte[] Stream, string Stdout);

    public static Result Run(params string[] argsWithTargetPlaceholder)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var args = argsWithTargetPlaceholder.Select(a => a == "TARGET" ? $"tcp:127.0.0.1:{port}" : a).ToList();

        var psi = new ProcessStartInfo("ovs-ofctl") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-O");
        psi.ArgumentList.Add("OpenFlow13");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var proc = Process.Start(psi)!;
        var stdout = proc.StandardOutput.ReadToEndAsync();
        var stderr = proc.StandardError.ReadToEndAsync();
        try
        {
            var acceptTask = listener.AcceptAsync();
            var exited = proc.WaitForExitAsync();
            if (Task.WaitAny(acceptTask, exited, Task.Delay(TimeSpan.FromSeconds(10))) != 0)
                throw new InvalidOperationException($"ovs-ofctl {string.Join(' ', args)} did not connect: " + (proc.HasExited ? stderr.Result : "timeout"));
            using var conn = acceptTask.Result;
            conn.ReceiveTimeout = 10_000;
            var (messages, stream) = Serve(conn);
            if (!proc.WaitForExit(10_000))
                throw new TimeoutException("ovs-ofctl did not exit");
            if (proc.ExitCode != 0)
                throw new InvalidOperationException($"ovs-ofctl {string.Join(' ', args)} failed: {stderr.Result}");
            return new Result(messages, stream, stdout.Result);
        }
        finally
        {
            if (!proc.HasExited) proc.Kill();
        }
    }

    private static (List<byte[]>, byte[]) Serve(Socket conn)
    {
        var messages = new List<byte[]>();
        var all = new MemoryStream();
        conn.Send(new Hello().ToBytes(1));
        var buf = new byte[65536];
        var pending = new MemoryStream();
        while (true)
        {
            int n;
            try { n = conn.Receive(buf); }
            catch (SocketException) { break; }
            if (n == 0) break;
            all.Write(buf, 0, n);
            pending.Write(buf, 0, n);
            var data = pending.ToArray();
            var o = 0;
            while (data.Length - o >= 8)
            {
                var len = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(o + 2));
                if (data.Length - o < len) break;
                var msg = data.AsSpan(o, len).ToArray();
                o += len;
                messages.Add(msg);
                var reply = Answer(msg);
                if (reply is not null) conn.Send(reply);
            }
            pending = new MemoryStream();
            pending.Write(data, o, data.Length - o);
        }
        return (messages, all.ToArray());
    }

    private static byte[]? Answer(byte[] msg)
    {
        var h = OfpHeader.Read(msg);
        switch (h.Type)
        {
            case OfpType.EchoRequest:
                return new Echo(OfpType.EchoReply, msg.AsMemory(8)).ToBytes(h.Xid);
            case OfpType.FeaturesRequest:
                return new SwitchFeatures(1, 0, 254, 0, 0x4f).ToBytes(h.Xid);
            case OfpType.GetConfigRequest:
                var cfg = new SwitchConfig(0, 128).ToBytes(h.Xid);
                cfg[1] = (byte)OfpType.GetConfigReply;
                return cfg;
            case OfpType.BarrierRequest:
                return HeaderOnly.BarrierReply.ToBytes(h.Xid);
            case OfpType.MultipartRequest when (MultipartType)BinaryPrimitives.ReadUInt16BigEndian(msg.AsSpan(8)) == MultipartType.TableFeatures:
                // ovs-ofctl rejects an empty or property-less table-features reply; a switch that
                // does not support the request answers OFPET_BAD_REQUEST/OFPBRC_BAD_MULTIPART.
                return new ErrorMessage(1, 2, 0, msg.AsSpan(0, Math.Min(64, msg.Length)).ToArray()).ToBytes(h.Xid);
            case OfpType.MultipartRequest:
                var reply = new byte[MultipartHeader.Size];
                MultipartHeader.Write(reply, OfpType.MultipartReply, (MultipartType)BinaryPrimitives.ReadUInt16BigEndian(msg.AsSpan(8)), 0, reply.Length, h.Xid);
                return reply;
            case OfpType.Experimenter when Bundle.TryGetExpType(msg, out var exp) && exp == Bundle.ControlExpType:
                var ctl = BundleControl.Read(msg);
                return (ctl with { Type = ctl.Type + 1 }).ToBytes(h.Xid);
            default:
                return null;
        }
    }
}
