// Test bench of qnn_pool: 3 frames of a 7x8 input with 3 channels of 3 bits
// in beats of 2 lanes (the last lane of each pixel's second beat is
// padding, sent as all ones), a 2x2 window with stride 3, under random
// valid and ready gaps. Every output beat is compared with the maximum over
// its window computed from the input pattern (0 in the padded lane).
// Prints PASS or FAIL.
module qnn_pool_tb;
  localparam integer C = 3, H = 7, W = 8, K = 2, Stride = 3, Width = 2, XBits = 3, Frames = 3;
  localparam integer B = (C + Width - 1) / Width;
  localparam integer Oh = (H - K) / Stride + 1, Ow = (W - K) / Stride + 1;
  localparam integer NIn = Frames * H * W * B, NOut = Frames * Oh * Ow * B;

  reg clk = 1'b0, rst_n = 1'b0;
  reg in_valid = 1'b0, out_ready = 1'b0;
  reg [Width*XBits-1:0] in_data = 0;
  wire in_ready, out_valid;
  wire [Width*XBits-1:0] out_data;

  qnn_pool #(.C(C), .H(H), .W(W), .K(K), .Stride(Stride), .Width(Width), .XBits(XBits)) u_dut (
    .clk_i(clk), .rst_ni(rst_n), .in_valid_i(in_valid), .in_ready_o(in_ready), .in_data_i(in_data),
    .out_valid_o(out_valid), .out_ready_i(out_ready), .out_data_o(out_data));

  always #5 clk = !clk;

  function [XBits-1:0] elem(input integer f, ih, iw, c);
    elem = (f * 3 + ih * 5 + iw * 3 + c * 7 + ih * iw * c) % (1 << XBits);
  endfunction

  function [Width*XBits-1:0] in_beat(input integer i);
    integer px, l, c;
    begin
      px = i / B;
      for (l = 0; l < Width; l = l + 1) begin
        c = (i % B) * Width + l;
        if (c < C) in_beat[l*XBits +: XBits] = elem(px / (H * W), (px % (H * W)) / W, px % W, c);
        else in_beat[l*XBits +: XBits] = {XBits{1'b1}};
      end
    end
  endfunction

  function [Width*XBits-1:0] out_beat(input integer j);
    integer f, px, oh, ow, l, c, a, b;
    reg [XBits-1:0] m;
    begin
      f = j / (Oh * Ow * B);
      px = (j / B) % (Oh * Ow);
      oh = px / Ow;
      ow = px % Ow;
      for (l = 0; l < Width; l = l + 1) begin
        c = (j % B) * Width + l;
        m = 0;
        if (c < C)
          for (a = 0; a < K; a = a + 1)
            for (b = 0; b < K; b = b + 1)
              if (elem(f, oh * Stride + a, ow * Stride + b, c) > m) m = elem(f, oh * Stride + a, ow * Stride + b, c);
        out_beat[l*XBits +: XBits] = m;
      end
    end
  endfunction

  integer seed = 9, errors = 0, sent = 0, got = 0, cycles = 0;
  reg offering = 1'b0;

  always @(posedge clk) begin
    if (rst_n) begin
      cycles = cycles + 1;
      if (offering && in_ready) begin
        sent = sent + 1;
        offering = 1'b0;
      end
      if (out_valid && out_ready) begin
        if (out_data !== out_beat(got)) begin
          errors = errors + 1;
          if (errors < 5) $display("FAIL qnn_pool_tb beat %0d: %h, want %h", got, out_data, out_beat(got));
        end
        got = got + 1;
      end
      if (!offering && sent < NIn && ($random(seed) & 3) != 0) offering = 1'b1;
      in_valid  <= offering;
      in_data   <= in_beat(sent);
      out_ready <= ($random(seed) & 3) != 0;
    end
  end

  initial begin
    repeat (3) @(posedge clk);
    #1 rst_n = 1'b1;
    while (got < NOut && cycles < 20 * (NIn + NOut)) @(posedge clk);
    if (errors == 0 && got == NOut) $display("PASS qnn_pool_tb");
    else $display("FAIL qnn_pool_tb: %0d errors, %0d of %0d beats", errors, got, NOut);
    $finish;
  end
endmodule
