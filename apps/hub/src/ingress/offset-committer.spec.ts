import { OffsetCommitter, type TopicPartitionOffset } from './offset-committer';

describe('OffsetCommitter', () => {
  it('sends what is asked for in one turn of the event loop as one request, the highest offset per partition', async () => {
    const requests: TopicPartitionOffset[][] = [];
    const committer = new OffsetCommitter(async (offsets) => { requests.push(offsets); });
    await Promise.all([
      committer.commit({ topic: 'a', partition: 0, offset: '10' }),
      committer.commit({ topic: 'a', partition: 1, offset: '7' }),
      committer.commit({ topic: 'a', partition: 0, offset: '9' }),
      committer.commit({ topic: 'b', partition: 0, offset: '3' }),
    ]);
    expect(requests).toEqual([[{ topic: 'a', partition: 0, offset: '10' }, { topic: 'a', partition: 1, offset: '7' }, { topic: 'b', partition: 0, offset: '3' }]]);

    await committer.commit({ topic: 'a', partition: 0, offset: '12' });
    expect(requests).toHaveLength(2);
    expect(requests[1]).toEqual([{ topic: 'a', partition: 0, offset: '12' }]);
  });

  it('answers every caller of a request that failed with its error, and the next request starts afresh', async () => {
    let fail = true;
    const sent: TopicPartitionOffset[][] = [];
    const committer = new OffsetCommitter(async (offsets) => {
      sent.push(offsets);
      if (fail) throw new Error('coordinator not available');
    });
    const answers = await Promise.allSettled([committer.commit({ topic: 'a', partition: 0, offset: '1' }), committer.commit({ topic: 'a', partition: 1, offset: '2' })]);
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    expect((answers[0] as PromiseRejectedResult).reason).toEqual(new Error('coordinator not available'));
    fail = false;
    await committer.commit({ topic: 'a', partition: 1, offset: '3' });
    expect(sent[1]).toEqual([{ topic: 'a', partition: 1, offset: '3' }]);
  });
});
