// Test bench of qnn_tokens: 3,000 cycles of random tokens (a quarter of
// them >= Vocab), random tvalid, tlast and downstream ready, with a reset
// in the middle held for a few cycles during which bad tokens handshake. A
// reference model in the bench checks every cycle: out_data_o (the token,
// or 0 for a token >= Vocab, and last in lane 1), the combinational valid
// and ready, the sticky err_o and drops_o counting bad handshakes outside
// reset and saturating at 2^DropBits - 1 (DropBits 3, reached in the run).
// Prints PASS or FAIL.
module qnn_tokens_tb;
  localparam integer TokBits = 8, Vocab = 50, DropBits = 3, N = 3000;

  reg clk = 1'b0, rst_n = 1'b0;
  reg valid = 1'b0, last = 1'b0, ready = 1'b0;
  reg [TokBits-1:0] tok = 0;
  wire in_ready, out_valid, err;
  wire [2*TokBits-1:0] out_data;
  wire [DropBits-1:0] drops;

  qnn_tokens #(.TokBits(TokBits), .Vocab(Vocab), .DropBits(DropBits)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(valid), .in_ready_o(in_ready), .in_data_i(tok), .in_last_i(last),
    .out_valid_o(out_valid), .out_ready_i(ready), .out_data_o(out_data), .err_o(err), .drops_o(drops));

  always #5 clk = !clk;

  reg ref_err = 1'b0;
  integer ref_drops = 0, seed = 7, errors = 0, cycles = 0, bad_in_reset = 0, saturated = 0;
  reg [TokBits-1:0] want_tok;

  task fail;
    input [8*40-1:0] what;
    begin
      errors = errors + 1;
      if (errors < 5) $display("FAIL qnn_tokens_tb cycle %0d: %0s (tok %0d valid %b ready %b rst_n %b: data %h err %b drops %0d, want err %b drops %0d)",
                               cycles, what, tok, valid, ready, rst_n, out_data, err, drops, ref_err, ref_drops);
    end
  endtask

  always @(posedge clk) begin
    cycles = cycles + 1;
    // Sample the outputs of this cycle (inputs set after the last edge).
    want_tok = (tok >= Vocab) ? {TokBits{1'b0}} : tok;
    if (out_data !== {{(TokBits-1){1'b0}}, last, want_tok}) fail("out_data");
    if (out_valid !== valid || in_ready !== ready) fail("valid/ready");
    // (err and drops are X until the first reset edge.)
    if (cycles > 1 && (err !== ref_err || drops !== ref_drops[DropBits-1:0])) fail("err/drops");
    // The edge: the reference registers.
    if (!rst_n) begin
      ref_err = 1'b0;
      ref_drops = 0;
      if (valid && ready && tok >= Vocab) bad_in_reset = bad_in_reset + 1;
    end else if (valid && ready && tok >= Vocab) begin
      ref_err = 1'b1;
      if (ref_drops == (1 << DropBits) - 1) saturated = saturated + 1;
      else ref_drops = ref_drops + 1;
    end
    // The next cycle's inputs.
    valid <= $random(seed) & 1;
    ready <= ($random(seed) & 3) != 0;
    last  <= $random(seed) & 1;
    tok   <= (($random(seed) & 3) == 0) ? Vocab + (($random(seed) & 255) % (256 - Vocab)) : (($random(seed) & 255) % Vocab);
    rst_n <= !(cycles < 3 || (cycles >= N / 2 && cycles < N / 2 + 20));
  end

  initial begin
    while (cycles < N) @(posedge clk);
    if (errors == 0 && bad_in_reset > 0 && saturated > 10) $display("PASS qnn_tokens_tb");
    else $display("FAIL qnn_tokens_tb: %0d errors, %0d bad tokens in reset, %0d saturated", errors, bad_in_reset, saturated);
    $finish;
  end
endmodule
