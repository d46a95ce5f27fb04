using Dragonflow.Model;

namespace Dragonflow.NorthDb.Drivers.Redis;

/// <summary>
/// The Lua scripts that make every redis write atomic. Layout under the prefix P (/openstack/):
/// <list type="bullet">
/// <item>P&lt;table&gt;/&lt;id&gt; — a hash {value, revision, topic?}</item>
/// <item>P.revision — the database-wide counter every write INCRs, so a revision is never reused
/// for a key, also after delete and re-create</item>
/// <item>P.table/&lt;table&gt; — the set of ids of a table (listing never SCANs the keyspace)</item>
/// <item>P.topic/&lt;table&gt;/&lt;topic&gt; — the set of ids of a table with that topic</item>
/// </list>
/// Table names are [a-z0-9_], so the dot-names never collide with an NB key. Index keys are built
/// inside the scripts (the old topic is only known there): fine on a standalone or replicated
/// redis, not on redis cluster, which the NB driver does not support.
///
/// Replies are arrays whose first element is a status: 1 done, 0 not found / exists, 2 revision
/// conflict (followed by the stored revision).
/// </summary>
internal static class RedisScripts
{
    public const string Create = """
        local p, tbl, id = ARGV[1], ARGV[2], ARGV[3]
        local key = p .. tbl .. '/' .. id
        if redis.call('EXISTS', key) == 1 then return {0} end
        local rev = redis.call('INCR', p .. '.revision')
        redis.call('HSET', key, 'value', ARGV[4], 'revision', rev)
        if ARGV[5] == '1' then
          redis.call('HSET', key, 'topic', ARGV[6])
          redis.call('SADD', p .. '.topic/' .. tbl .. '/' .. ARGV[6], id)
        end
        redis.call('SADD', p .. '.table/' .. tbl, id)
        return {1, rev}
        """;

    public const string Update = """
        local p, tbl, id = ARGV[1], ARGV[2], ARGV[3]
        local key = p .. tbl .. '/' .. id
        local cur = redis.call('HMGET', key, 'revision', 'topic')
        if not cur[1] then return {0} end
        if cur[1] ~= ARGV[7] then return {2, cur[1]} end
        local rev = redis.call('INCR', p .. '.revision')
        redis.call('HSET', key, 'value', ARGV[4], 'revision', rev)
        if cur[2] then redis.call('SREM', p .. '.topic/' .. tbl .. '/' .. cur[2], id) end
        if ARGV[5] == '1' then
          redis.call('HSET', key, 'topic', ARGV[6])
          redis.call('SADD', p .. '.topic/' .. tbl .. '/' .. ARGV[6], id)
        else
          redis.call('HDEL', key, 'topic')
        end
        return {1, rev}
        """;

    public const string Delete = """
        local p, tbl, id = ARGV[1], ARGV[2], ARGV[3]
        local key = p .. tbl .. '/' .. id
        local cur = redis.call('HMGET', key, 'value', 'revision', 'topic')
        if not cur[1] then return {0} end
        if ARGV[4] == '1' and cur[2] ~= ARGV[5] then return {2, cur[2]} end
        redis.call('DEL', key)
        redis.call('SREM', p .. '.table/' .. tbl, id)
        if cur[3] then redis.call('SREM', p .. '.topic/' .. tbl .. '/' .. cur[3], id) end
        return {1, cur[1], cur[2], cur[3]}
        """;

    /// <summary>One consistent snapshot of a table or topic: flat (id, value, revision, topic) quadruples.</summary>
    public const string List = """
        local p, tbl = ARGV[1], ARGV[2]
        local set = p .. '.table/' .. tbl
        if ARGV[3] == '1' then set = p .. '.topic/' .. tbl .. '/' .. ARGV[4] end
        local out = {}
        for _, id in ipairs(redis.call('SMEMBERS', set)) do
          local e = redis.call('HMGET', p .. tbl .. '/' .. id, 'value', 'revision', 'topic')
          if e[1] then
            out[#out + 1] = id
            out[#out + 1] = e[1]
            out[#out + 1] = e[2]
            out[#out + 1] = e[3]
          end
        end
        return out
        """;

    /// <summary>
    /// Bumps the counter row P unique_key/&lt;table&gt; ({"id","value","version"} JSON, like every
    /// driver) in place; status 0 carries the reason when the stored row is not such a counter.
    /// </summary>
    public const string AllocateUniqueKey = $$"""
        local p, tbl = ARGV[1], ARGV[2]
        local key = p .. '{{NbTables.Names.UniqueKey}}/' .. tbl
        local cur = redis.call('HGET', key, 'value')
        local value, version = 1, 1
        if cur then
          local ok, obj = pcall(cjson.decode, cur)
          if not ok or type(obj) ~= 'table' or type(obj.value) ~= 'number' then
            return {0, string.sub(cur, 1, 200)}
          end
          value = obj.value + 1
          version = (type(obj.version) == 'number' and obj.version or 0) + 1
        end
        local rev = redis.call('INCR', p .. '.revision')
        local json = string.format('{"id":%s,"version":%d,"value":%d}', cjson.encode(tbl), version, value)
        redis.call('HSET', key, 'value', json, 'revision', rev)
        redis.call('SADD', p .. '.table/{{NbTables.Names.UniqueKey}}', tbl)
        return {1, value}
        """;
}
