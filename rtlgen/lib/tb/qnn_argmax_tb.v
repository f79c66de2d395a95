// Test bench of qnn_argmax: 60 frames of random scores (many ties), random
// input gaps and output back-pressure; every output beat must carry the
// frame's argmax (lowest index on ties) and its sign-extended scores, in
// order. A second instance with TopOnly = 1 sees the same stimulus and must
// hand on the same beats at the same cycles carrying the class and its
// score only. Prints PASS or FAIL.
module qnn_argmax_tb;
  localparam integer Classes = 5, Pe = 2, Beats = 3, ScoreBits = 4, Sw = 16;
  localparam integer Frames = 60;
  localparam integer OutWidth = 16 + Classes * Sw;

  reg                     clk, rst_n;
  reg                     in_valid;
  wire                    in_ready;
  reg  [Pe*ScoreBits-1:0] in_data;
  wire                    out_valid;
  reg                     out_ready;
  wire [OutWidth-1:0]     out_data;
  wire                    top_in_ready, top_out_valid;
  wire [16+Sw-1:0]        top_data;

  qnn_argmax #(.Classes(Classes), .Pe(Pe), .Beats(Beats), .ScoreBits(ScoreBits), .Sw(Sw)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data));
  qnn_argmax #(.Classes(Classes), .Pe(Pe), .Beats(Beats), .ScoreBits(ScoreBits), .Sw(Sw), .TopOnly(1)) u_top (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(top_in_ready), .in_data_i(in_data),
    .out_valid_o(top_out_valid), .out_ready_i(out_ready), .out_data_o(top_data));

  reg [ScoreBits-1:0] scores [0:Frames*Pe*Beats-1];
  reg [OutWidth-1:0]  want;
  reg [16+Sw-1:0]     want_top;
  integer inbeat, outframe, errors, seed, i, c, best, s, bs, cycles;

  always #5 clk = !clk;

  initial begin
    seed = 5;
    errors = 0;
    for (i = 0; i < Frames * Pe * Beats; i = i + 1) scores[i] = $random(seed);
    clk = 0; rst_n = 0; in_valid = 0; in_data = 0; out_ready = 0;
    inbeat = 0; outframe = 0; cycles = 0;
    repeat (3) @(posedge clk);
    #1 rst_n = 1;
    while (outframe < Frames && cycles < 5000) begin
      if (!in_valid && inbeat < Frames * Beats && ($random(seed) & 1)) in_valid = 1;
      for (i = 0; i < Pe; i = i + 1) in_data[i*ScoreBits +: ScoreBits] = scores[inbeat*Pe + i];
      out_ready = $random(seed) & 1;
      #1;
      if (top_in_ready !== in_ready || top_out_valid !== out_valid) begin
        errors = errors + 1;
        if (errors < 5) $display("FAIL cycle %0d: TopOnly handshake differs", cycles);
      end
      if (out_valid && out_ready) begin
        best = 0; bs = -1000;
        for (c = 0; c < Classes; c = c + 1) begin
          s = scores[outframe*Pe*Beats + c];
          if (s >= (1 << (ScoreBits - 1))) s = s - (1 << ScoreBits);
          if (c == 0 || s > bs) begin best = c; bs = s; end
          want[16 + c*Sw +: Sw] = s;
        end
        want[15:0] = best;
        want_top = {want[16 + best*Sw +: Sw], want[15:0]};
        if (out_data !== want) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL frame %0d: got %h want %h", outframe, out_data, want);
        end
        if (top_data !== want_top) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL frame %0d (TopOnly): got %h want %h", outframe, top_data, want_top);
        end
        outframe = outframe + 1;
      end
      @(posedge clk);
      if (in_valid && in_ready) begin
        inbeat = inbeat + 1;
        in_valid = 0;
      end
      #1;
      cycles = cycles + 1;
    end
    if (outframe != Frames) begin
      errors = errors + 1;
      $display("FAIL %0d of %0d frames out", outframe, Frames);
    end
    if (errors == 0) $display("PASS qnn_argmax_tb");
    else $display("FAIL qnn_argmax_tb: %0d errors", errors);
    $finish;
  end
endmodule
