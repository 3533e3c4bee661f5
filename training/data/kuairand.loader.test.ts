import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUAIRAND_FILES, KUAIRAND_USER_CATS, loadKuaiRand } from './kuairand.loader.ts';
import type { Dataset } from './schema.ts';
import { KUAIRAND_SPLIT } from './split.ts';

const LOG_HEADER =
  'user_id,video_id,date,hourmin,time_ms,is_click,is_like,is_follow,is_comment,is_forward,is_hate,long_view,play_time_ms,duration_ms,profile_stay_time,comment_stay_time,is_profile_enter,is_rand,tab';
const V = KUAIRAND_SPLIT.validationStartMs;
const T = KUAIRAND_SPLIT.testStartMs;
// user, video, time, click, like, long, play, duration
const row = (u: number, v: number, t: number, click: number, like: number, long: number, play: number, dur: number) =>
  `${u},${v},20220501,0,${t},${click},${like},0,0,0,0,${long},${play},${dur},0,0,0,0,1`;
const LOG = [
  LOG_HEADER,
  row(0, 10, V - 2000, 1, 0, 1, 30000, 20000),
  row(0, 10, V - 2000, 1, 0, 1, 30000, 20000), // exact duplicate
  row(1, 11, V - 1000, 1, 1, 1, 12000, 0), // duration unknown: falls back to video_duration 8000
  row(1, 12, V - 500, 0, 0, 0, 500, 0), // duration unknown everywhere: ratio 0
  row(2, 10, V, 1, 0, 0, 5000, 20000), // first validation ms
  row(0, 11, T - 1, 1, 0, 1, 400000, 8000), // ratio clipped to 5
  row(2, 12, T, 0, 0, 0, 0, 15000), // first test ms
].join('\n');
const USERS = [
  'user_id,user_active_degree,is_lowactive_period,is_live_streamer,is_video_author,follow_user_num,follow_user_num_range,fans_user_num,fans_user_num_range,friend_user_num,friend_user_num_range,register_days,register_days_range,' +
    Array.from({ length: 18 }, (_, i) => `onehot_feat${i}`).join(','),
  `0,full_active,0,1,1,514,500+,150,"[100,1k)",34,"[30,60)",799,730+,1,1,29,949,1.0,0,0,14,135,6,3,0,0.0,1.0,0.0,0.0,0.0,0.0`,
  `1,high_active,0,-124,0,10,"(0,10]",2,"[1,10)",0,0,30,"(15,30]",0,3,2,11,,0,0,31,283,6,2,2,,,,,,`,
  `2,UNKNOWN,0,-124,1,100,"(50,100]",5000,"[1k,5k)",3,"[1,5)",200,"(60,90]",1,3,2,12,4.0,0,0,31,283,6,2,2,1.0,0.0,1.0,0.0,0.0,0.0`,
].join('\n');
const VIDEOS = [
  'video_id,author_id,video_type,upload_dt,upload_type,visible_status,video_duration,server_width,server_height,music_id,music_type,tag',
  '10,500,NORMAL,2022-04-10,LongImport,0.0,20000.0,720.0,1280.0,1,9.0,"12,65"',
  '11,501,AD,2022-04-09,Kmovie,0.0,8000.0,1280.0,720.0,0,,39',
  '12,500,NORMAL,2022-04-11,LongImport,0.0,,720.0,720.0,2,4.0,',
].join('\n');
const HISTORY = [
  '{"user_id":0,"history_len":3,"last_time_ms":1650541757927,"watch_seq":[11,12,11],"like_seq":[],"long_watch_seq":[12]}',
  '{"user_id":2,"history_len":1,"last_time_ms":1650541757927,"watch_seq":[10],"like_seq":[10],"long_watch_seq":[10]}',
].join('\n');

describe('loadKuaiRand on a fixture with the README quirks', () => {
  let dir: string;
  let ds: Dataset;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kuairand-'));
    writeFileSync(join(dir, KUAIRAND_FILES.log), LOG);
    writeFileSync(join(dir, KUAIRAND_FILES.users), USERS);
    writeFileSync(join(dir, KUAIRAND_FILES.videos), VIDEOS);
    writeFileSync(join(dir, KUAIRAND_FILES.history), HISTORY);
    ds = await loadKuaiRand({ dir });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('drops exact duplicate impressions and splits on the README boundaries', () => {
    expect(ds.train.map((e) => e.timeMs)).toEqual([V - 2000, V - 1000, V - 500]);
    expect(ds.validation.map((e) => e.timeMs)).toEqual([V, T - 1]);
    expect(ds.test.map((e) => e.timeMs)).toEqual([T]);
  });

  it('computes the watch ratio with the video_duration fallback and the clip at 5', () => {
    expect(ds.train[0]!.labels.watchRatio).toBeCloseTo(1.5);
    expect(ds.train[1]!.labels.watchRatio).toBeCloseTo(1.5);
    expect(ds.train[1]!.labels.like).toBe(1);
    expect(ds.train[2]!.labels.watchRatio).toBe(0);
    expect(ds.validation[1]!.labels.watchRatio).toBe(5);
  });

  it('treats -124 as unknown and shares a vocabulary between 1.0 and 1', () => {
    const live = KUAIRAND_USER_CATS.indexOf('is_live_streamer');
    expect(ds.users.map((u) => u.cats[live])).toEqual([1, 0, 0]);
    const feat4 = KUAIRAND_USER_CATS.indexOf('onehot_feat4');
    expect(ds.users[0]!.cats[feat4]).toBe(1);
    expect(ds.users[1]!.cats[feat4]).toBe(0);
    expect(ds.users[2]!.cats[feat4]).toBe(2);
    expect(ds.users[2]!.cats[0]).toBe(0);
    expect(ds.vocab.userCats[feat4]).toBe(3);
  });

  it('parses quoted tag lists and standardises user numbers', () => {
    expect(ds.videos.map((v) => v.tags)).toEqual([[13, 66], [40], []]);
    expect(ds.vocab.tags).toBe(67);
    expect(ds.videos[0]!.author).toBe(ds.videos[2]!.author);
    const follow = ds.users.map((u) => u.nums[0]!);
    expect(follow.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 6);
    expect(follow[0]).toBeGreaterThan(follow[2]!);
    expect(ds.videos[0]!.uploadMs).toBe(Date.parse('2022-04-10T00:00:00+08:00'));
  });

  it('assigns duration buckets, 0 when the duration is unknown', () => {
    expect(ds.videos[0]!.durationBucket).toBe(3);
    expect(ds.videos[1]!.durationBucket).toBe(2);
    expect(ds.videos[2]!.durationBucket).toBe(0);
  });

  it('attaches the pre-period history as dense video indices', () => {
    const idx = (id: string) => ds.videos.findIndex((v) => v.externalId === id);
    expect(ds.users[0]!.historyWatch).toEqual([idx('11'), idx('12'), idx('11')]);
    expect(ds.users[0]!.historyLong).toEqual([idx('12')]);
    expect(ds.users[2]!.historyLike).toEqual([idx('10')]);
    expect(ds.users[1]!.historyWatch).toEqual([]);
  });

  it('hashes the input files', async () => {
    expect(ds.dataHash).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(dir, KUAIRAND_FILES.history), `${HISTORY}\n`);
    expect((await loadKuaiRand({ dir })).dataHash).not.toBe(ds.dataHash);
  });

  it('names the missing file', async () => {
    await expect(loadKuaiRand({ dir: join(dir, 'nope') })).rejects.toThrow(
      /log_standard_4_25_to_5_08_pure\.csv not found/,
    );
  });
});
