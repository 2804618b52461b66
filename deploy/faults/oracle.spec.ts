import { familyStory, type ChainEvent } from '../bench/chain-mix';
import { roundsInAcceptanceOrder } from './oracle';

const at = (e: ChainEvent, seq: number) => ({ source: String(e.event.source), eventId: e.event.id, acceptedSeq: BigInt(seq) });

describe('the oracle\'s replay order', () => {
  it('gives every family its events in the order the hub under faults accepted them, one per round', () => {
    const [a, b] = [familyStory(1), familyStory(2)];
    // Family 1's Veilig Thuis report was accepted before its request for help; family 2's last event never was.
    const inbox = [at(a[1], 10), at(a[0], 20), at(a[2], 30), at(a[3], 40), at(a[4], 50), at(b[0], 15), at(b[1], 16), at(b[2], 17), at(b[3], 18)];
    const rounds = roundsInAcceptanceOrder([...a, ...b], inbox);
    expect(rounds.map((round) => round.map((e) => `${e.family}:${e.step}`))).toEqual([['1:1', '2:0'], ['1:0', '2:1'], ['1:2', '2:2'], ['1:3', '2:3'], ['1:4']]);
  });

  it('takes the accepted seq as the order, not the order of the inbox rows read', () => {
    const a = familyStory(3);
    // Veilig Thuis' three events were accepted in one transaction, with seqs 21, 22 and 23.
    const inbox = [at(a[0], 10), at(a[3], 23), at(a[1], 21), at(a[2], 22), at(a[4], 30)];
    const rounds = roundsInAcceptanceOrder([a[0], a[3], a[2], a[1], a[4]], inbox);
    expect(rounds.map((round) => round.map((e) => e.step))).toEqual([[0], [1], [2], [3], [4]]);
  });
});
