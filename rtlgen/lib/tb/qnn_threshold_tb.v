// Test bench of qnn_threshold and qnn_score: random accumulators,
// ascending thresholds (qnn_threshold's contract) and flags against a
// behavioural model. Prints PASS or FAIL.
module qnn_threshold_tb;
  // 2-bit levels, signed 5-bit accumulator, 6-bit thresholds.
  reg  [4:0]  acc_s;
  reg  [18:0] thr2;       // 3 thresholds of 6 bits + reversed flag
  wire [1:0]  level2;
  // 1-bit level, unsigned 4-bit accumulator (xnor), 3-bit thresholds.
  reg  [3:0]  acc_u;
  reg  [3:0]  thr1;
  wire        level1;
  // Scores.
  reg  [6:0]  add;
  wire [6:0]  score_x, score_s;

  qnn_threshold #(.AccWidth(5), .AccSigned(1), .NumThr(3), .ThrWidth(6), .OutBits(2))
    u_thr2 (.acc_i(acc_s), .thr_i(thr2), .level_o(level2));
  qnn_threshold #(.AccWidth(4), .AccSigned(0), .NumThr(1), .ThrWidth(3), .OutBits(1))
    u_thr1 (.acc_i(acc_u), .thr_i(thr1), .level_o(level1));
  qnn_score #(.AccWidth(4), .AccSigned(0), .ScoreMul(2), .ScoreBits(7))
    u_score_x (.acc_i(acc_u), .add_i(add), .score_o(score_x));
  qnn_score #(.AccWidth(5), .AccSigned(1), .ScoreMul(1), .ScoreBits(7))
    u_score_s (.acc_i(acc_s), .add_i(add), .score_o(score_s));

  integer n, j, a, au, t, lv, errors, seed, sx, ss;
  reg [5:0] t0, t1, t2, tmp;

  // Sorts three signed 6-bit thresholds ascending (a compare-exchange
  // network) into thr2, keeping the reversed flag.
  task sort_thr2;
    begin
      t0 = thr2[5:0]; t1 = thr2[11:6]; t2 = thr2[17:12];
      if ($signed(t0) > $signed(t1)) begin tmp = t0; t0 = t1; t1 = tmp; end
      if ($signed(t1) > $signed(t2)) begin tmp = t1; t1 = t2; t2 = tmp; end
      if ($signed(t0) > $signed(t1)) begin tmp = t0; t0 = t1; t1 = tmp; end
      thr2 = {thr2[18], t2, t1, t0};
    end
  endtask

  initial begin
    errors = 0;
    seed = 2;
    for (n = 0; n < 4000; n = n + 1) begin
      acc_s = $random(seed);
      acc_u = $random(seed);
      thr2  = $random(seed);
      thr1  = $random(seed);
      add   = $random(seed);
      sort_thr2;
      #1;
      a = acc_s; if (a >= 16) a = a - 32;
      lv = 0;
      for (j = 0; j < 3; j = j + 1) begin
        t = thr2[j*6 +: 6]; if (t >= 32) t = t - 64;
        if (thr2[18] ? (a <= t) : (a >= t)) lv = lv + 1;
      end
      if (level2 !== lv[1:0]) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL level2 acc=%0d thr=%h: got %0d want %0d", a, thr2, level2, lv);
      end
      t = thr1[2:0]; if (t >= 4) t = t - 8;
      au = acc_u;
      lv = (thr1[3] ? (au <= t) : (au >= t)) ? 1 : 0;
      if (level1 !== lv[0]) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL level1 acc=%0d thr=%h: got %0d want %0d", acc_u, thr1, level1, lv);
      end
      t = add; if (t >= 64) t = t - 128;
      sx = 2 * au + t;
      ss = a + t;
      if (score_x !== sx[6:0] || score_s !== ss[6:0]) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL score acc=%0d/%0d add=%0d: got %0d %0d", acc_u, a, t, score_x, score_s);
      end
    end
    if (errors == 0) $display("PASS qnn_threshold_tb");
    else $display("FAIL qnn_threshold_tb: %0d errors", errors);
    $finish;
  end
endmodule
