// Test bench of qnn_logits: 40 tokens of 3 beats of 2 random 5-bit scores
// (5 classes: the last beat's second lane is padding), random input gaps
// and output back-pressure; every output beat must carry the beat's
// sign-extended scores (0 in the padding lane) and tlast on each token's
// last beat, in order. Prints PASS or FAIL.
module qnn_logits_tb;
  localparam integer Classes = 5, Pe = 2, Beats = 3, ScoreBits = 5, Sw = 16;
  localparam integer Tokens = 40;

  reg                     clk, rst_n;
  reg                     in_valid;
  wire                    in_ready;
  reg  [Pe*ScoreBits-1:0] in_data;
  wire                    out_valid;
  reg                     out_ready;
  wire [Pe*Sw-1:0]        out_data;
  wire                    out_last;

  qnn_logits #(.Classes(Classes), .Pe(Pe), .Beats(Beats), .ScoreBits(ScoreBits), .Sw(Sw)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data), .out_last_o(out_last));

  reg [ScoreBits-1:0] scores [0:Tokens*Beats*Pe-1];
  reg [Pe*Sw-1:0]     want;
  integer inbeat, outbeat, errors, seed, i, p, s, cycles;

  always #5 clk = !clk;

  initial begin
    seed = 9;
    errors = 0;
    for (i = 0; i < Tokens * Beats * Pe; i = i + 1) scores[i] = $random(seed);
    clk = 0; rst_n = 0; in_valid = 0; in_data = 0; out_ready = 0;
    inbeat = 0; outbeat = 0; cycles = 0;
    repeat (3) @(posedge clk);
    #1 rst_n = 1;
    while (outbeat < Tokens * Beats && cycles < 5000) begin
      if (!in_valid && inbeat < Tokens * Beats && ($random(seed) & 1)) in_valid = 1;
      for (i = 0; i < Pe; i = i + 1) in_data[i*ScoreBits +: ScoreBits] = scores[inbeat*Pe + i];
      out_ready = $random(seed) & 1;
      #1;
      if (out_valid && out_ready) begin
        for (p = 0; p < Pe; p = p + 1) begin
          s = scores[outbeat*Pe + p];
          if (s >= (1 << (ScoreBits - 1))) s = s - (1 << ScoreBits);
          if ((outbeat % Beats) * Pe + p >= Classes) s = 0;
          want[p*Sw +: Sw] = s;
        end
        if (out_data !== want || out_last !== (outbeat % Beats == Beats - 1)) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL beat %0d: got %h last %b, want %h last %b", outbeat, out_data, out_last,
                                   want, outbeat % Beats == Beats - 1);
        end
        outbeat = outbeat + 1;
      end
      @(posedge clk);
      if (in_valid && in_ready) begin
        inbeat = inbeat + 1;
        in_valid = 0;
      end
      #1;
      cycles = cycles + 1;
    end
    if (outbeat != Tokens * Beats) begin
      errors = errors + 1;
      $display("FAIL %0d of %0d beats out", outbeat, Tokens * Beats);
    end
    if (errors == 0) $display("PASS qnn_logits_tb");
    else $display("FAIL qnn_logits_tb: %0d errors", errors);
    $finish;
  end
endmodule
